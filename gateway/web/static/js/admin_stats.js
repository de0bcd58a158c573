/* Staff statistics: participation per unit (labelled by unit name) and the score distribution of a
 * round (scoring's aggregate over every graded attempt: each contestant by their counted attempt). */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  if (!P.requireRole(["organizer", "expert", "monitor"])) return;
  var contestSel = P.$("#s_contest"), roundSel = P.$("#s_round"), errorBox = P.$("[data-error]");

  var unitNames = P.api("/units").then(function (units) {
    var names = {};
    units.forEach(function (u) { names[u.code] = u.name; });
    return names;
  });

  function participation(code) {
    Promise.all([P.api("/contests/" + encodeURIComponent(code) + "/stats/units"), unitNames]).then(function (res) {
      var rows = res[0], names = res[1];
      var name = function (c) { return names[c] || c; };
      var named = function (c) { return names[c] ? names[c] + " (" + c + ")" : c; };
      // Units whose rate is not a real rate (no headcount, more participants than headcount),
      // each with the reason: they weigh in the collective prize.
      var flagged = rows.filter(function (r) { return (r.flags || []).length; });
      P.fill(P.$("[data-unit-flags]"), flagged.map(function (r) {
        return el("div", { class: "notice warning", "data-unit-flag": r.flags[0].code },
          el("strong", {}, named(r.unit_code) + ": "), r.flags.map(function (f) { return f.message; }).join(" "));
      }));
      rows = rows.filter(function (r) { return r.participants; })
        .sort(function (a, b) { return (b.participation || 0) - (a.participation || 0); }).slice(0, 20);
      P.barChart(P.$("[data-chart-participation]"), rows.map(function (r) {
        return { label: name(r.unit_code), title: named(r.unit_code), value: r.participation || 0,
                 text: P.fmt.pct(r.participation) + " (" + r.participants + "/" + P.fmt.int(r.headcount) + ")" };
      }), { max: 1, labelsAbove: true, title: "Tỷ lệ tham gia theo đơn vị" });
    }).catch(function (err) { P.showError(errorBox, err); });
  }

  function scores(code, n, questions) {
    // Every graded attempt of the round, counted by scoring (not the top rows of the leaderboard).
    P.api("/admin/contests/" + encodeURIComponent(code) + "/rounds/" + n + "/score-distribution").then(function (d) {
      var counts = [], top = questions;
      d.buckets.forEach(function (b) { top = Math.max(top, b.correct); });
      for (var i = 0; i <= top; i++) counts.push(0);
      d.buckets.forEach(function (b) { counts[b.correct] = b.contestants; });
      P.$("[data-scores-total]").textContent = "Tổng cộng " + P.fmt.int(d.contestants) + " thí sinh, " +
        P.fmt.int(d.graded_attempts) + " lượt thi đã chấm.";
      P.columnChart(P.$("[data-chart-scores]"), counts.map(function (v, i) { return { label: String(i), value: v }; }),
                    { title: "Số thí sinh theo số câu đúng" });
    }).catch(function (err) { P.showError(errorBox, err); });
  }

  function difficulty(code, n) {
    P.api("/admin/contests/" + encodeURIComponent(code) + "/rounds/" + n + "/question-stats").then(function (rows) {
      var hardest = rows.slice(0, 15);
      P.barChart(P.$("[data-chart-difficulty]"), hardest.map(function (r, i) {
        return { label: "Câu " + (i + 1), title: r.text, value: r.share, text: P.fmt.pct(r.share) + " (" + r.correct + "/" + r.asked + ")" };
      }), { max: 1, labelWidth: 70, title: "Tỷ lệ trả lời đúng theo câu hỏi" });
      var tbody = P.$("[data-difficulty]");
      if (!rows.length) return P.emptyRow(tbody, 3, "Chưa có lượt thi nào được nộp trong tuần này.");
      // The ten hardest first; the rest on request (a bank has hundreds of questions).
      P.fill(tbody, rows.map(function (r, i) {
        return el("tr", { hidden: i >= 10 }, el("td", {}, el("strong", {}, "Câu " + (i + 1) + ". "), r.text),
          el("td", { class: "num" }, P.fmt.int(r.asked)), el("td", { class: "num" }, P.fmt.pct(r.share)));
      }));
      var more = P.$("[data-difficulty-more]");
      more.hidden = rows.length <= 10;
      more.textContent = "Xem tất cả " + rows.length + " câu hỏi";
      more.onclick = function () {
        P.$all("tr[hidden]", tbody).forEach(function (tr) { tr.hidden = false; });
        more.hidden = true;
      };
    }).catch(function (err) { P.showError(errorBox, err); });
  }

  function load(code) {
    participation(code);
    P.api("/contests/" + encodeURIComponent(code)).then(function (c) {
      P.fill(roundSel, c.rounds.map(function (r) { return el("option", { value: r.n }, "Tuần " + r.n); }));
      var started = c.rounds.filter(function (r) { return r.status !== "scheduled"; });
      roundSel.value = started.length ? started[started.length - 1].n : 1;
      var q = (c.settings && c.settings.questions_per_attempt) || 20;
      roundSel.onchange = function () { scores(code, roundSel.value, q); difficulty(code, roundSel.value); };
      scores(code, roundSel.value, q);
      difficulty(code, roundSel.value);
    }).catch(function (err) { P.showError(errorBox, err); });
  }
  P.contestSelects(load).then(function () { if (contestSel.value) load(contestSel.value); }).catch(function (err) { P.showError(errorBox, err); });
})();
