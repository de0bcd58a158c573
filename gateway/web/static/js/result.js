/* Result of one attempt: poll GET /attempts/{id} until it is graded (within seconds normally). */
(function () {
  "use strict";
  var P = window.Portal;
  if (!P.requireRole(["contestant", "organizer", "expert", "judge", "monitor"])) return;
  var id = document.body.dataset.attempt;
  var how = sessionStorage.getItem("cchc.submitted." + id);
  if (how) {
    var note = P.$("[data-submitted-note]");
    note.textContent = how === "auto"
      ? "Hết giờ làm bài: hệ thống đã tự động nộp các câu trả lời đã lưu của bạn."
      : "Bài thi của bạn đã được nộp thành công.";
    note.hidden = false;
  }
  var delay = 1000;
  function poll() {
    P.api("/attempts/" + encodeURIComponent(id)).then(function (a) {
      P.$("[data-status]").textContent = P.ATTEMPT_STATUS[a.status] || a.status;
      P.$("[data-duration]").textContent = P.fmt.duration(a.duration_ms);
      P.$("[data-submitted-at]").textContent = P.fmt.dateTime(a.submitted_at);
      var score = P.$("[data-score]");
      if (a.status === "graded" && a.correct != null) {
        score.textContent = "Bạn trả lời đúng " + a.correct + "/" + a.total + " câu";
        score.classList.add("graded");
        return;
      }
      score.textContent = a.status === "in_progress" ? "Lượt thi này chưa được nộp." : "Đang chấm bài…";
      if (a.status === "in_progress") {
        P.fill(score, [score.firstChild, " ", P.el("a", { href: "/thi?attempt=" + encodeURIComponent(id) }, "Tiếp tục làm bài")]);
        return;
      }
      setTimeout(poll, delay);
      delay = Math.min(delay * 1.5, 5000);
    }).catch(function (err) {
      P.showError(P.$("[data-error]"), err);
      if (err.status === 0 || err.status >= 500) setTimeout(poll, 5000);
    });
  }
  poll();
})();
