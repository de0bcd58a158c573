/* Contest home: rounds with dates and status, rules from the contest's settings, a countdown to the
 * next round (or to the close of the open one), all on the server's clock. */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;

  function countdown(box, contest) {
    function tick() {
      var open = P.openRound(contest), next = P.nextRound(contest), now = P.Clock.now();
      if (open && Date.parse(open.closes_at) > now) {
        P.fill(box, [el("span", { class: "kicker" }, "Tuần " + open.n + " đang diễn ra · còn"),
                     el("strong", { class: "big", "data-countdown": "" }, P.fmt.span(Date.parse(open.closes_at) - now)),
                     el("span", { class: "muted" }, "Kết thúc lúc " + P.fmt.dateTime(open.closes_at))]);
      } else if (next) {
        P.fill(box, [el("span", { class: "kicker" }, "Tuần " + next.n + " bắt đầu sau"),
                     el("strong", { class: "big", "data-countdown": "" }, P.fmt.span(Date.parse(next.opens_at) - now)),
                     el("span", { class: "muted" }, "Mở lúc " + P.fmt.dateTime(next.opens_at))]);
      } else {
        P.fill(box, [el("span", { class: "kicker" }, "Các tuần thi đã kết thúc. Xem kết quả tại trang Xếp hạng.")]);
      }
    }
    tick();
    setInterval(tick, 1000);
  }

  function rules(contest) {
    var s = contest.settings || {};
    var values = {
      questions_per_attempt: s.questions_per_attempt,
      time_limit_min: s.time_limit_s ? Math.round(s.time_limit_s / 60) : null,
      max_attempts_per_round: s.max_attempts_per_round,
      prediction_text: s.prediction_target === "perfect_attempts"
        ? "số lượt dự thi trả lời đúng tất cả các câu hỏi trong tuần"
        : "số lượt dự thi được nộp bài trong tuần",
    };
    P.$all("[data-s]").forEach(function (node) {
      var v = values[node.dataset.s];
      if (v !== null && v !== undefined) node.textContent = v;
    });
  }

  P.Clock.sync().then(P.currentContest).then(function (contest) {
    P.$("[data-contest-title]").textContent = contest.title;
    rules(contest);
    countdown(P.$("[data-next-round]"), contest);
    P.fill(P.$("[data-rounds]"), contest.rounds.map(function (r) {
      return el("tr", {},
        el("td", {}, "Tuần " + r.n), el("td", {}, P.fmt.dateTime(r.opens_at)), el("td", {}, P.fmt.dateTime(r.closes_at)),
        el("td", {}, el("span", { class: "chip " + r.status }, P.ROUND_STATUS[r.status] || r.status)));
    }));
  }).catch(function (err) {
    P.fill(P.$("[data-next-round]"), [el("span", { class: "err" }, err.detail || String(err))]);
    P.emptyRow(P.$("[data-rounds]"), 4, "Không tải được lịch thi.");
  });
})();
