/* The banner inside an agency's iframe: the contest, the current round, a link that opens the
 * registration in a new tab with the agency's unit pre-selected. */
(function () {
  "use strict";
  var P = window.Portal;
  var unit = document.body.dataset.unit;
  var join = P.$("[data-join]");
  join.href = "/dang-ky" + (unit ? "?unit=" + encodeURIComponent(unit) : "");
  P.Clock.sync().then(P.currentContest).then(function (c) {
    P.$("[data-contest-title]").textContent = c.title;
    var open = P.openRound(c), next = P.nextRound(c);
    P.$("[data-next-round]").textContent = open
      ? "Tuần " + open.n + " đang diễn ra, kết thúc lúc " + P.fmt.dateTime(open.closes_at)
      : next ? "Tuần " + next.n + " bắt đầu lúc " + P.fmt.dateTime(next.opens_at) : "Xem kết quả Hội thi";
    if (!open && !next) { join.href = "/bang-xep-hang"; join.textContent = "Xem kết quả"; }
  }).catch(function () {});
})();
