/* The contestant's own attempts, newest first. */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  if (!P.requireRole(["contestant"])) return;
  P.api("/me/attempts").then(function (list) {
    var tbody = P.$("[data-attempts]");
    if (!list.length) return P.emptyRow(tbody, 6, "Bạn chưa có lượt thi nào.");
    list = list.slice().sort(function (a, b) { return (b.started_at || "").localeCompare(a.started_at || ""); });
    P.fill(tbody, list.map(function (a) {
      var link = a.status === "in_progress"
        ? el("a", { href: "/thi?attempt=" + encodeURIComponent(a.attempt_id) }, "Tiếp tục")
        : el("a", { href: "/ket-qua/" + encodeURIComponent(a.attempt_id) }, "Xem");
      return el("tr", {},
        el("td", {}, a.round ? "Tuần " + a.round : "—"),
        el("td", {}, P.ATTEMPT_STATUS[a.status] || a.status),
        el("td", {}, a.correct != null ? a.correct + "/" + a.total : "—"),
        el("td", {}, P.fmt.duration(a.duration_ms)),
        el("td", {}, P.fmt.dateTime(a.submitted_at)),
        el("td", {}, link));
    }));
  }).catch(function (err) { P.showError(P.$("[data-error]"), err); });
})();
