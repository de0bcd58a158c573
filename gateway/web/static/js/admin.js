/* Organizers' and experts' overview: the contests and the way to each task. */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  if (!P.requireRole(["organizer", "expert"])) return;
  P.api("/admin/contests").then(function (list) {
    var tbody = P.$("[data-contests]");
    if (!list.length) return P.emptyRow(tbody, 4, "Chưa có hội thi nào.");
    P.fill(tbody, list.map(function (c) {
      var open = P.openRound(c);
      return el("tr", {}, el("td", {}, el("code", {}, c.code)),
        el("td", {}, el("a", { href: "/quan-tri/hoi-thi?contest=" + encodeURIComponent(c.code) }, c.title),
          c.settings && c.settings.listed === false ? el("span", { class: "muted" }, " (không công khai)") : null),
        el("td", {}, c.rounds.length), el("td", {}, open ? "Tuần " + open.n : "—"));
    }));
  }).catch(function (err) { P.showError(P.$("[data-error]"), err); });
})();
