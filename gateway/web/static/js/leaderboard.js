/* Public results: a round's leaderboard and the approved prize winners. */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  var select = P.$("[data-round-select]");
  var PRIZE = { nhat: "Giải Nhất", nhi: "Giải Nhì", ba: "Giải Ba", khuyen_khich: "Giải Khuyến khích" };
  var KIND = { weekly: "Giải tuần", video: "Giải video clip", collective: "Giải tập thể" };
  var contest, names = {};

  function board(n) {
    var tbody = P.$("[data-board]");
    P.emptyRow(tbody, 7, "Đang tải…");
    P.api("/contests/" + encodeURIComponent(contest.code) + "/rounds/" + n + "/leaderboard?limit=100").then(function (b) {
      // SPEC 6: while a round is open, other people's predictions stay private (live_board: scores)
      // or the whole board waits for the close (hidden).
      var mode = (contest.settings && contest.settings.live_board) || "scores";
      P.$("[data-board-note]").textContent = b.final
        ? "Kết quả chung cuộc của tuần " + n + ". Số lượt dự thi được nộp bài: " + P.fmt.int(b.actual_attempts) + "."
        : mode === "hidden"
          ? "Bảng xếp hạng của tuần thi đang diễn ra được ẩn theo quyết định của Ban Tổ chức; kết quả được công bố khi tuần thi kết thúc."
          : mode === "full"
            ? "Bảng xếp hạng tạm thời (tuần thi chưa kết thúc; tiêu chí dự đoán được xét khi tuần thi kết thúc)."
            : "Bảng xếp hạng tạm thời: những người dẫn đầu. Dự đoán của người dự thi được giữ kín và tiêu chí dự đoán được xét khi tuần thi kết thúc.";
      myRank(b, mode);
      if (!b.rows.length) return P.emptyRow(tbody, 7, !b.final && mode === "hidden"
        ? "Bảng xếp hạng được công bố khi tuần thi kết thúc." : "Chưa có bài thi nào được chấm trong tuần này.");
      P.fill(tbody, b.rows.map(function (r) {
        var mine = b.me && b.me.contestant_id === r.contestant_id;
        return el("tr", { class: [r.rank <= 3 ? "top" : "", mine ? "mine" : ""].join(" ").trim() || null,
                          "data-mine": mine ? "" : null, "aria-current": mine ? "true" : null },
          el("td", {}, r.rank), el("td", {}, r.full_name || "—"), el("td", { title: r.unit_code }, names[r.unit_code] || r.unit_code || "—"),
          el("td", { class: "num" }, r.correct), el("td", { class: "num" }, prediction(r, mine ? b.me : null)),
          el("td", { class: "num" }, r.prediction_diff == null ? "—" : P.fmt.int(r.prediction_diff)),
          el("td", { class: "num" }, P.fmt.duration(r.duration_ms)));
      }));
    }).catch(function (err) { P.emptyRow(tbody, 7, err.detail); });
  }

  // A live board hides predictions, except the reader's own (their row's `me`).
  function prediction(r, me) {
    var p = r.prediction == null && me ? me.prediction : r.prediction;
    return p == null ? "—" : P.fmt.int(p);
  }

  /** "Thứ hạng của tôi": the contestant's own row (`me`, sent with their token), listed or not. */
  function myRank(b, mode) {
    var box = P.$("[data-my-rank]");
    box.hidden = !("me" in b);
    if (box.hidden) return;
    var me = b.me;
    if (!me) { box.textContent = "Thứ hạng của tôi: bạn chưa có bài thi được chấm trong tuần này."; return; }
    var result = me.correct + " câu đúng, thời gian " + P.fmt.duration(me.duration_ms);
    var listed = b.rows.some(function (r) { return r.contestant_id === me.contestant_id; });
    if (me.rank != null) {
      box.textContent = "Thứ hạng của tôi: hạng " + me.rank + " (" + result + ")" +
        (listed ? " – dòng được tô màu trong bảng." : " – bạn ở ngoài " + b.rows.length + " người đứng đầu được liệt kê dưới đây.");
    } else {
      box.textContent = "Thứ hạng của tôi: " + (mode === "hidden"
        ? "thứ hạng được công bố khi tuần thi kết thúc."
        : "bạn chưa nằm trong nhóm dẫn đầu; thứ hạng của bạn được công bố khi tuần thi kết thúc.") +
        " Kết quả được tính của bạn: " + result + ".";
    }
  }

  function awards() {
    var box = P.$("[data-awards]");
    P.api("/contests/" + encodeURIComponent(contest.code) + "/awards").then(function (sets) {
      if (!sets.length) return P.fill(box, [el("p", { class: "muted" }, "Chưa có kết quả giải thưởng nào được phê duyệt.")]);
      P.fill(box, sets.map(function (s) {
        return el("div", { class: "card" },
          el("h3", {}, (KIND[s.kind] || s.kind) + (s.round ? " – tuần " + s.round : "")),
          el("div", { class: "table-scroll" }, el("table", { class: "data compact" },
            el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Giải"), el("th", { scope: "col" }, "Người/đơn vị đạt giải"),
                                 el("th", { scope: "col" }, "Đơn vị"), el("th", { scope: "col", class: "num" }, "Tiền thưởng"))),
            el("tbody", {}, frag(s.winners.map(function (w) {
              return el("tr", {}, el("td", {}, PRIZE[w.prize] || w.prize), el("td", {}, winnerName(w)),
                        el("td", {}, names[w.unit_code] || w.unit_code || "—"), el("td", { class: "num" }, P.fmt.vnd(w.amount_vnd)));
            }))))));
      }));
    }).catch(function (err) { P.fill(box, [el("p", { class: "muted" }, err.detail)]); });
  }
  function winnerName(w) {
    var d = w.details || {};
    return w.full_name || (d.title ? "“" + d.title + "”" : "") || d.unit_name || names[w.unit_code] || w.unit_code || "—";
  }
  function frag(nodes) { var f = document.createDocumentFragment(); nodes.forEach(function (n) { f.appendChild(n); }); return f; }

  P.Clock.sync().then(function () {
    return P.api("/units").then(function (units) { units.forEach(function (u) { names[u.code] = u.name; }); }, function () {});
  }).then(P.currentContest).then(function (c) {
    contest = c;
    P.fill(select, c.rounds.map(function (r) {
      return el("option", { value: r.n }, "Tuần " + r.n + " – " + (P.ROUND_STATUS[r.status] || r.status));
    }));
    var started = c.rounds.filter(function (r) { return r.status !== "scheduled"; });
    var wanted = new URLSearchParams(location.search).get("round");
    select.value = wanted || (started.length ? started[started.length - 1].n : 1);
    select.addEventListener("change", function () { board(select.value); });
    board(select.value);
    awards();
  }).catch(function (err) { P.showError(P.$("[data-error]"), err); });
})();
