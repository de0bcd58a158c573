/* The quiz: start or resume an attempt, every question on one page, autosave (PUT answers) after
 * each answer, a countdown on the server's clock with a warning one minute before the end,
 * auto-submit at zero, a confirmation before a manual submission. */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  if (!P.requireRole(["contestant"])) return;

  var errorBox = P.$("[data-error]");
  var form = P.$("[data-quiz-form]");
  var dialog = P.$("[data-confirm]");
  var state = { attempt: null, answers: {}, prediction: null, finished: false, warned: false, timer: null };
  var save = { running: false, again: false, retry: null };
  var ATTEMPT_KEY = "cchc.attempt";

  // ---- start or resume ------------------------------------------------------------------------
  function resume(id) {
    return P.api("/attempts/" + encodeURIComponent(id) + "/questions").then(function (paper) {
      show(paper, paper.answers || {}, paper.prediction);
      return true;
    });
  }

  function findInProgress() {
    return P.api("/me/attempts").then(function (list) {
      var open = list.filter(function (a) { return a.status === "in_progress"; })[0];
      return open ? resume(open.attempt_id) : false;
    });
  }

  function offerStart() {
    return P.currentContest().then(function (contest) {
      var round = P.openRound(contest);
      var box = P.$("[data-start]");
      P.$("[data-start-title]").textContent = contest.title;
      if (!round) {
        var next = P.nextRound(contest);
        P.$("[data-start-info]").textContent = next
          ? "Hiện chưa có tuần thi nào đang mở. Tuần " + next.n + " bắt đầu lúc " + P.fmt.dateTime(next.opens_at) + "."
          : "Hiện không có tuần thi nào đang mở.";
        P.$("[data-start-button]").hidden = true;
      } else {
        var s = contest.settings || {};
        P.$("[data-start-info]").textContent = "Tuần " + round.n + " · " + (s.questions_per_attempt || "") + " câu hỏi · " +
          Math.round((s.time_limit_s || 0) / 60) + " phút · kết thúc lúc " + P.fmt.dateTime(round.closes_at);
        P.$("[data-start-button]").onclick = function (e) { start(contest.code, round.n, e.target); };
        return attemptsLeft(contest, round).then(function () { box.hidden = false; });
      }
      box.hidden = false;
    });
  }

  /** "Lượt 2/3" and the counting rule (SPEC 3: the best attempt counts); no start button once the
   * round's attempts are used up. */
  function attemptsLeft(contest, round) {
    var max = (contest.settings || {}).max_attempts_per_round || 3;
    var rule = P.$("[data-counting-rule]"), left = P.$("[data-attempts-left]"), button = P.$("[data-start-button]");
    rule.textContent = "Mỗi người được thi tối đa " + max + " lượt trong tuần " + round.n +
      "; lượt có kết quả cao nhất được tính (nhiều câu đúng hơn, rồi dự đoán gần đúng hơn, thời gian làm bài ngắn hơn, nộp bài sớm hơn).";
    rule.hidden = false;
    return P.api("/me/attempts").then(function (list) {
      var used = list.filter(function (a) { return a.contest === contest.code && a.round === round.n; }).length;
      if (used >= max) {
        button.hidden = true;
        P.fill(left, [el("strong", {}, "Bạn đã dùng hết " + max + "/" + max + " lượt thi của tuần " + round.n + ". "),
                      "Lượt có kết quả cao nhất được tính vào bảng xếp hạng. ",
                      el("a", { href: "/luot-thi" }, "Xem các lượt thi của tôi"), " · ",
                      el("a", { href: "/bang-xep-hang?round=" + round.n }, "Xem bảng xếp hạng")]);
        left.classList.add("used-up");
      } else {
        P.fill(left, [el("strong", {}, "Lượt " + (used + 1) + "/" + max),
                      used ? " · bạn đã thi " + used + " lượt, còn " + (max - used) + " lượt trong tuần này." : " · lượt thi đầu tiên của bạn trong tuần này."]);
        button.textContent = "Bắt đầu làm bài (lượt " + (used + 1) + "/" + max + ")";
      }
      left.hidden = false;
    }, function () { /* the counting rule still shows; the server refuses a fourth attempt anyway */ });
  }

  function start(contest, n, button) {
    button.disabled = true;
    P.showError(errorBox, null);
    P.api("/contests/" + encodeURIComponent(contest) + "/rounds/" + n + "/attempts", { method: "POST" })
      .then(function (paper) { show(paper, {}, null); })
      .catch(function (err) {
        if (err.code === "attempt_in_progress") return findInProgress();
        throw err;
      })
      .catch(function (err) { P.showError(errorBox, err); button.disabled = false; });
  }

  // ---- the paper ------------------------------------------------------------------------------
  function show(paper, answers, prediction) {
    // The page is about the attempt's contest (a resumed attempt may be another contest's).
    if (paper.contest) P.useContest(paper.contest).catch(function () {});
    state.attempt = paper;
    state.answers = Object.assign({}, answers);
    state.prediction = prediction == null ? null : prediction;
    sessionStorage.setItem(ATTEMPT_KEY, paper.attempt_id);
    history.replaceState(null, "", P.withContest("/thi?attempt=" + encodeURIComponent(paper.attempt_id)));
    P.$("[data-start]").hidden = true;
    var letters = "ABCDEFGH";
    P.fill(P.$("[data-questions]"), paper.questions.map(function (q, i) {
      var legendId = "q" + i + "-text";
      return el("li", { class: "question", id: "cau-" + (i + 1), "data-qid": q.id },
        el("fieldset", { "aria-labelledby": legendId },
          el("legend", { id: legendId }, el("span", { class: "qnum" }, "Câu " + (i + 1) + ". "), q.text),
          el("div", { class: "options" }, fragment(q.options.map(function (o, j) {
            var id = "q" + i + "-" + j;
            return el("div", { class: "option" },
              el("input", { type: "radio", id: id, name: "q-" + q.id, value: o.key, "data-qid": q.id,
                            checked: state.answers[q.id] === o.key }),
              el("label", { for: id }, el("span", { class: "letter" }, letters.charAt(j) + "."), " " + o.text));
          })))));
    }));
    P.$("[data-prediction-text]").textContent = paper.prediction_question || "Câu hỏi dự đoán (số nguyên không âm)";
    if (state.prediction != null) form.elements.prediction.value = state.prediction;
    P.$("[data-paper]").hidden = false;
    navigator(paper);
    progress();
    tick();
    state.timer = setInterval(tick, 250);
    var first = form.querySelector("input");
    if (first) first.focus();
  }
  function fragment(nodes) {
    var f = document.createDocumentFragment();
    nodes.forEach(function (n) { f.appendChild(n); });
    return f;
  }

  function progress() {
    var done = Object.keys(state.answers).length, total = state.attempt.questions.length;
    P.$("[data-progress]").textContent = done + "/" + total + " câu đã trả lời";
    marks();
  }

  // ---- question navigator (issue 16): numbers marked answered or not, a jump to the next unanswered
  function navigator(paper) {
    P.fill(P.$("[data-nav-list]"), paper.questions.map(function (q, i) {
      return el("li", {}, el("button", { type: "button", class: "qn", "data-nav-q": q.id,
                                          onclick: function () { jumpTo(i); } }, String(i + 1)));
    }));
    // Open by default where there is room; a phone keeps it folded in the sticky bar.
    P.$("[data-quiz-nav]").open = window.matchMedia("(min-width: 700px)").matches;
  }
  function marks() {
    var qs = state.attempt.questions;
    P.$all("[data-nav-q]").forEach(function (b, i) {
      var answered = !!state.answers[b.dataset.navQ];
      b.classList.toggle("answered", answered);
      b.setAttribute("aria-label", "Câu " + (i + 1) + ": " + (answered ? "đã trả lời" : "chưa trả lời"));
    });
    var missing = qs.filter(function (q) { return !state.answers[q.id]; }).length;
    var jump = P.$("[data-jump-unanswered]");
    jump.hidden = !missing;
    jump.textContent = "Đến câu chưa trả lời (" + missing + ")";
  }
  function jumpTo(i) {
    var li = P.$("#cau-" + (i + 1));
    if (!li) return;
    // Below the sticky timer bar, not under it.
    li.style.scrollMarginTop = (P.$(".timer-bar").offsetHeight + 8) + "px";
    li.scrollIntoView({ block: "start" });
    var input = li.querySelector("input:checked") || li.querySelector("input");
    if (input) input.focus({ preventScroll: true });
  }
  /** The first unanswered question after the one in focus (wrapping around), else the first. */
  function jumpUnanswered() {
    var qs = state.attempt.questions, here = state.lastQ == null ? -1 : state.lastQ;
    for (var k = 1; k <= qs.length; k++) {
      var i = (here + k + qs.length) % qs.length;
      if (!state.answers[qs[i].id]) return jumpTo(i);
    }
  }
  P.$("[data-jump-unanswered]").addEventListener("click", jumpUnanswered);
  form.addEventListener("focusin", function (e) {  // where "the next unanswered" counts from
    var li = e.target.closest && e.target.closest("li.question");
    if (li) state.lastQ = Number(li.id.slice(4)) - 1;
  });

  // ---- autosave -------------------------------------------------------------------------------
  function readPrediction() {
    var raw = form.elements.prediction.value.trim();
    if (raw === "") { P.fieldError(form, "prediction", ""); return null; }
    if (!/^\d+$/.test(raw)) {
      P.fieldError(form, "prediction", "Vui lòng nhập một số nguyên không âm (ví dụ: 25825).");
      return undefined;
    }
    P.fieldError(form, "prediction", "");
    return parseInt(raw, 10);
  }

  function sheet() {
    var body = { answers: state.answers };
    var p = readPrediction();
    if (p !== undefined && p !== null) body.prediction = p;
    return body;
  }

  function setSaveState(text, bad) {
    var node = P.$("[data-save-state]");
    node.textContent = text;
    node.classList.toggle("bad", !!bad);
  }

  function autosave() {
    if (state.finished) return;
    if (save.running) { save.again = true; return; }
    save.running = true; save.again = false;
    clearTimeout(save.retry);
    setSaveState("Đang lưu…");
    P.api("/attempts/" + encodeURIComponent(state.attempt.attempt_id) + "/answers", { method: "PUT", body: sheet() })
      .then(function () { setSaveState("Đã lưu lúc " + P.fmt.time(new Date(P.Clock.now()))); },
            function (err) {
              if (err.code === "deadline_passed" || err.code === "attempt_not_in_progress") { finish("auto"); return; }
              setSaveState("Chưa lưu được (" + err.detail + "). Đang thử lại…", true);
              save.retry = setTimeout(autosave, 3000);
            })
      .then(function () { save.running = false; if (save.again) autosave(); });
  }

  form.addEventListener("change", function (e) {
    var t = e.target;
    if (t.dataset && t.dataset.qid) { state.answers[t.dataset.qid] = t.value; progress(); autosave(); }
    else if (t.name === "prediction" && readPrediction() !== undefined) autosave();
  });

  // ---- countdown on the server's clock ----------------------------------------------------------
  function tick() {
    if (!state.attempt || state.finished) return;
    var left = Date.parse(state.attempt.deadline) - P.Clock.now();
    var clock = P.$("[data-clock]");
    clock.textContent = P.fmt.clock(left);
    if (left <= 60000 && !state.warned) {
      state.warned = true;
      P.$("[data-warning]").hidden = false;
      P.$(".timer-bar").classList.add("urgent");
    }
    if (left <= 0) {
      if (dialog.open) dialog.close();
      finish("auto");
    }
  }

  // ---- submit ---------------------------------------------------------------------------------
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (readPrediction() === undefined) { form.elements.prediction.focus(); return; }
    var total = state.attempt.questions.length, done = Object.keys(state.answers).length;
    P.$("[data-confirm-text]").textContent = "Bạn đã trả lời " + done + "/" + total + " câu" +
      (done < total ? " (còn " + (total - done) + " câu chưa trả lời)" : "") +
      (readPrediction() === null ? " và chưa trả lời câu hỏi dự đoán." : ".");
    dialog.showModal();
    P.$("[data-confirm-no]").focus();
  });
  P.$("[data-confirm-no]").addEventListener("click", function () {
    dialog.close();
    if (Object.keys(state.answers).length < state.attempt.questions.length) { state.lastQ = null; jumpUnanswered(); }
  });
  P.$("[data-confirm-yes]").addEventListener("click", function () { dialog.close(); finish("manual"); });

  /** Submit once (manual or at zero); a network failure is retried, the answers are never dropped. */
  function finish(how) {
    if (state.finished) return;
    state.finished = true;
    clearInterval(state.timer);
    clearTimeout(save.retry);
    P.$("[data-submit]").disabled = true;
    P.$all("input", form).forEach(function (i) { i.disabled = true; });
    setSaveState(how === "auto" ? "Hết giờ: đang tự động nộp bài…" : "Đang nộp bài…");
    var id = state.attempt.attempt_id, body = sheet(), delay = 1000;
    (function send() {
      P.api("/attempts/" + encodeURIComponent(id) + "/submit", { method: "POST", body: body })
        .then(function () { done(); }, function (err) {
          // deadline_passed: the autosaved answers were submitted and are what gets graded.
          if (err.status === 409 || err.status === 404 || err.status === 403) return done(err.code);
          setSaveState("Chưa gửi được bài (" + err.detail + "). Đang thử lại…", true);
          setTimeout(send, delay);
          delay = Math.min(delay * 2, 10000);
        });
    })();
    function done(code) {
      sessionStorage.removeItem(ATTEMPT_KEY);
      sessionStorage.setItem("cchc.submitted." + id, code === "deadline_passed" || how === "auto" ? "auto" : "manual");
      location.href = P.withContest("/ket-qua/" + encodeURIComponent(id));
    }
  }

  // ---- go -------------------------------------------------------------------------------------
  var params = new URLSearchParams(location.search);
  var wanted = params.get("attempt") || sessionStorage.getItem(ATTEMPT_KEY);
  P.Clock.sync()
    .then(function () { return wanted ? resume(wanted).catch(function () { sessionStorage.removeItem(ATTEMPT_KEY); return false; }) : false; })
    .then(function (resumed) { return resumed || findInProgress(); })
    .then(function (resumed) { return resumed || offerStart(); })
    .catch(function (err) { P.showError(errorBox, err); });
})();
