/* The HTML 404 page: static text and links; app.js draws the navigation for the signed-in role. */
(function () {
  "use strict";
})();
