/* Result of one attempt: poll GET /attempts/{id} until it is graded (within seconds normally), then
 * the answer review (GET /attempts/{id}/review) once the round is closed: before, the keys stay secret. */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  if (!P.requireRole(["contestant", "organizer", "expert", "judge", "monitor"])) return;
  var id = document.body.dataset.attempt;
  var card = P.$("[data-result]"), errorBox = P.$("[data-error]");

  /* An attempt that does not exist (or is not yours): only that is said, no "Đang chấm bài…" beside it. */
  function notFound(err) {
    card.hidden = true;
    P.$("[data-review]").hidden = true;
    P.showError(errorBox, err);
  }
  if (!id) {
    notFound(new P.ApiError(404, "attempt_not_found", "Không tìm thấy lượt thi."));
    return;
  }

  var how = sessionStorage.getItem("cchc.submitted." + id);
  if (how) {
    var note = P.$("[data-submitted-note]");
    note.textContent = how === "auto"
      ? "Hết giờ làm bài: hệ thống đã tự động nộp các câu trả lời đã lưu của bạn."
      : "Bài thi của bạn đã được nộp thành công.";
    note.hidden = false;
  }

  function list(tag, attrs, children) { return el.apply(null, [tag, attrs].concat(children)); }

  function option(q, o) {
    var mine = o.key === q.chosen, good = o.key === q.correct_key;
    var tags = [];
    if (mine) tags.push(el("span", { class: "tag mine" }, "Bạn chọn"));
    if (good) tags.push(el("span", { class: "tag good" }, "Đáp án đúng"));
    return el("li", { class: "review-option" + (good ? " good" : "") + (mine && !good ? " bad" : ""),
                      "data-option": o.key },
      el("span", { class: "key" }, o.key + "."), " ", el("span", { class: "text" }, o.text),
      tags.length ? list("span", { class: "tags" }, tags) : null);
  }

  function showReview(r) {
    var box = P.$("[data-review]"), items = P.$("[data-review-list]");
    var wrong = r.questions.filter(function (q) { return !q.right; }).length;
    P.$("[data-review-summary]").textContent = wrong
      ? "Đúng " + r.right + "/" + r.questions.length + " câu. Các câu chưa đúng được đánh dấu đỏ, kèm đáp án đúng."
      : "Bạn trả lời đúng tất cả " + r.questions.length + " câu.";
    P.fill(items, r.questions.map(function (q, i) {
      var verdict = q.right ? "Đúng" : (q.chosen ? "Sai" : "Chưa trả lời");
      return el("li", { class: "review-item " + (q.right ? "right" : "wrong"), "data-question": q.id,
                        "data-right": q.right ? "1" : "0" },
        el("p", { class: "review-q" }, el("strong", {}, "Câu " + (i + 1) + ". "), q.text,
           " ", el("span", { class: "verdict" }, verdict)),
        list("ul", { class: "review-options" }, q.options.map(function (o) { return option(q, o); })));
    }));
    box.hidden = false;
  }

  function review() {
    P.api("/attempts/" + encodeURIComponent(id) + "/review").then(showReview).catch(function (err) {
      if (err.code === "review_not_available" || err.code === "review_after_contest" || err.code === "review_off") {
        var later = P.$("[data-review-later]");
        if (err.code !== "review_not_available") later.textContent = err.detail;  // the contest's rule, in Vietnamese
        later.hidden = false;
        return;
      }
      P.showError(errorBox, err);
    });
  }

  var delay = 1000, placed = false;
  function poll() {
    P.api("/attempts/" + encodeURIComponent(id)).then(function (a) {
      if (a.contest && !placed) {
        placed = true;
        // The page is about the attempt's contest: its board, of the attempt's round.
        P.useContest(a.contest).catch(function () {});
        P.$("[data-board-link]").setAttribute("href", P.withContest("/bang-xep-hang" + (a.round ? "?round=" + a.round : ""), a.contest));
      }
      P.$("[data-status]").textContent = P.ATTEMPT_STATUS[a.status] || a.status;
      P.$("[data-duration]").textContent = P.fmt.duration(a.duration_ms);
      P.$("[data-submitted-at]").textContent = P.fmt.dateTime(a.submitted_at);
      var score = P.$("[data-score]");
      if (a.status === "graded" && a.correct != null) {
        score.textContent = "Bạn trả lời đúng " + a.correct + "/" + a.total + " câu";
        score.classList.add("graded");
        review();
        return;
      }
      score.textContent = a.status === "in_progress" ? "Lượt thi này chưa được nộp." : "Đang chấm bài…";
      if (a.status === "in_progress") {
        P.fill(score, [score.firstChild, " ", P.el("a", { href: P.withContest("/thi?attempt=" + encodeURIComponent(id), a.contest) }, "Tiếp tục làm bài")]);
        return;
      }
      setTimeout(poll, delay);
      delay = Math.min(delay * 1.5, 5000);
    }).catch(function (err) {
      if (err.status === 404 || err.status === 403) return notFound(err);
      P.showError(errorBox, err);
      if (err.status === 0 || err.status >= 500) setTimeout(poll, 5000);
    });
  }
  poll();
})();
