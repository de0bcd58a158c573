/* The copy-paste snippet for agencies' websites, with an optional unit code and a live preview. */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  var pick = P.$("[data-unit-pick]"), area = P.$("[data-snippet]"), preview = P.$("[data-preview]");
  function update() {
    var params = new URLSearchParams();
    if (pick.value) params.set("unit", pick.value);
    if (document.body.dataset.contest) params.set("contest", document.body.dataset.contest);
    var src = location.origin + "/embed" + (params.toString() ? "?" + params.toString() : "");
    area.value = '<iframe src="' + src + '" title="Hội thi trực tuyến tìm hiểu công tác cải cách hành chính" ' +
      'width="100%" height="160" style="border:0;max-width:100%" loading="lazy"></iframe>';
    preview.src = src;
  }
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
