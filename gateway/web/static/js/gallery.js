/* Public gallery: the clips the organizers published. */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  var box = P.$("[data-clips]");
  Promise.all([P.currentContest(), P.api("/units").catch(function () { return []; })]).then(function (res) {
    var names = {};
    res[1].forEach(function (u) { names[u.code] = u.name; });
    return P.api("/contests/" + encodeURIComponent(res[0].code) + "/gallery").then(function (clips) {
      if (!clips.length) return P.fill(box, [el("p", { class: "muted" }, "Chưa có video clip nào được công bố.")]);
      P.fill(box, clips.map(function (c) {
        return el("article", { class: "card clip" },
          el("video", { controls: true, preload: "none", src: c.playback_url, poster: c.thumbnail_url || null, "aria-label": c.title }),
          el("h2", {}, c.title), el("p", { class: "muted" }, names[c.unit_code] || c.unit_code));
      }));
    });
  }).catch(function (err) { P.fill(box, [el("p", { class: "muted" }, err.detail || String(err))]); });
})();
