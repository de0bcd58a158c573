/* The copy-paste snippet for agencies' websites, with an optional unit code and a live preview.
 * The snippet is the iframe (its height a fallback that fits the banner on a 360 px phone, the
 * longest title included) and a few lines that size it to the height the banner reports. */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  var pick = P.$("[data-unit-pick]"), area = P.$("[data-snippet]"), preview = P.$("[data-preview]");
  var FALLBACK_HEIGHT = 300;  // px: tests/browser/test_contest_context.py checks it fits at 360 px
  var FRAME_ID = "cchc-hoi-thi";
  function listener(origin) {
    return "<script>(function(){var f=document.getElementById(\"" + FRAME_ID + "\");" +
      "window.addEventListener(\"message\",function(e){var d=e.data;" +
      "if(f&&e.origin===\"" + origin + "\"&&e.source===f.contentWindow&&d&&d.type===\"cchc-embed-height\"){" +
      "var h=Math.round(Number(d.height));if(h>=60&&h<=800)f.style.height=h+\"px\";}});})();<\/script>";
  }
  function update() {
    var params = new URLSearchParams();
    if (pick.value) params.set("unit", pick.value);
    // Only a contest named in this page's address: a bare snippet follows the portal's default.
    var named = new URLSearchParams(location.search).get("contest");
    if (named && /^[A-Za-z0-9._-]{1,50}$/.test(named)) params.set("contest", named);
    var src = location.origin + "/embed" + (params.toString() ? "?" + params.toString() : "");
    area.value = '<iframe src="' + src + '" id="' + FRAME_ID + '" title="Hội thi trực tuyến tìm hiểu công tác cải cách hành chính" ' +
      'width="100%" height="' + FALLBACK_HEIGHT + '" style="border:0;max-width:100%" loading="lazy"></iframe>\n' +
      listener(location.origin);
    preview.src = src;
  }
  // The preview follows the banner's height as an agency's page would.
  window.addEventListener("message", function (e) {
    var d = e.data;
    if (e.origin === location.origin && e.source === preview.contentWindow && d && d.type === "cchc-embed-height") {
      var h = Math.round(Number(d.height));
      if (h >= 60 && h <= 800) preview.style.height = h + "px";
    }
  });
  P.api("/units").then(function (units) {
    units.sort(function (a, b) { return a.name.localeCompare(b.name, "vi"); }).forEach(function (u) {
      pick.appendChild(el("option", { value: u.code }, u.name + " (" + u.code + ")"));
    });
  }).catch(function () {});
  pick.addEventListener("change", update);
  P.$("[data-copy]").addEventListener("click", function () {
    area.select();
    var done = function () { P.$("[data-copied]").textContent = "Đã sao chép."; };
    if (navigator.clipboard) navigator.clipboard.writeText(area.value).then(done, function () { document.execCommand("copy"); done(); });
    else { document.execCommand("copy"); done(); }
  });
  update();
})();
