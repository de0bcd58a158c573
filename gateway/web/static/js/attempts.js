/* The contestant's own attempts, newest first, each with its contest (a person may take several). */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  if (!P.requireRole(["contestant"])) return;
  P.api("/me/attempts").then(function (list) {
    var tbody = P.$("[data-attempts]");
    if (!list.length) return P.emptyRow(tbody, 7, "Bạn chưa có lượt thi nào.");
    list = list.slice().sort(function (a, b) { return (b.started_at || "").localeCompare(a.started_at || ""); });
    P.fill(tbody, list.map(function (a) {
      // The attempt's own contest, whatever contest this page is about.
      var link = a.status === "in_progress"
        ? el("a", { href: P.withContest("/thi?attempt=" + encodeURIComponent(a.attempt_id), a.contest) }, "Tiếp tục")
        : el("a", { href: P.withContest("/ket-qua/" + encodeURIComponent(a.attempt_id), a.contest) }, "Xem");
      return el("tr", {},
        el("td", {}, a.contest_title || a.contest || "—"),
        el("td", {}, a.round ? "Tuần " + a.round : "—"),
        el("td", {}, P.ATTEMPT_STATUS[a.status] || a.status),
        el("td", {}, a.correct != null ? a.correct + "/" + a.total : "—"),
        el("td", {}, P.fmt.duration(a.duration_ms)),
        el("td", {}, P.fmt.dateTime(a.submitted_at)),
        el("td", {}, link));
    }));
  }).catch(function (err) { P.showError(P.$("[data-error]"), err); });
})();
