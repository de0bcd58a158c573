/* Contests and rounds: the rounds of a contest (close one now), and a form to create a contest. */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  if (!P.requireRole(["organizer", "expert"])) return;
  var select = P.$("#c_contest"), errorBox = P.$("[data-error]");

  function rounds(code) {
    var tbody = P.$("[data-rounds]");
    P.api("/contests/" + encodeURIComponent(code)).then(function (c) {
      editForm(c);
      P.fill(tbody, c.rounds.map(function (r) {
        var action = r.status === "open" && P.Auth.role() === "organizer"
          ? el("button", { type: "button", class: "button small danger", onclick: function (e) { close(c.code, r.n, e.target); } },
               "Đóng tuần " + r.n + " ngay")
          : null;
        return el("tr", {}, el("td", {}, "Tuần " + r.n), el("td", {}, P.fmt.dateTime(r.opens_at)),
          el("td", {}, P.fmt.dateTime(r.closes_at)),
          el("td", {}, el("span", { class: "chip " + r.status }, P.ROUND_STATUS[r.status] || r.status)), el("td", {}, action));
      }));
    }).catch(function (err) { P.showError(errorBox, err); });
  }

  function close(code, n, button) {
    if (!confirm("Đóng tuần " + n + " ngay bây giờ? Thí sinh sẽ không thể bắt đầu lượt thi mới trong tuần này.")) return;
    button.disabled = true;
    P.api("/admin/contests/" + encodeURIComponent(code) + "/rounds/" + n + "/close", { method: "POST" })
      .then(function () { rounds(code); }, function (err) { P.showError(errorBox, err); button.disabled = false; });
  }

  // ---- change the selected contest (organizer; PATCH sends only what changed) -----------------
  var edit = P.$("[data-edit-contest]"), current = null;
  // ISO time -> the value of a datetime-local field in Vietnamese time (UTC+7).
  function local(iso) {
    var d = new Date(Date.parse(iso) + 7 * 3600 * 1000);
    return d.toISOString().slice(0, 16);
  }
  function editForm(c) {
    current = c;
    edit.hidden = P.Auth.role() !== "organizer";
    var f = edit.elements, s = c.settings || {};
    var started = c.rounds.some(function (r) { return r.status !== "scheduled"; });
    f.title.value = c.title;
    f.questions_per_attempt.value = s.questions_per_attempt;
    f.time_limit_min.value = Math.round(s.time_limit_s / 60);
    f.max_attempts.value = s.max_attempts_per_round;
    [f.questions_per_attempt, f.time_limit_min, f.max_attempts].forEach(function (i) { i.disabled = started; });
    f.live_board.value = s.live_board || "scores";
    f.registration.value = s.registration || "open";
    f.answer_review.value = s.answer_review || "after_round";
    f.listed.value = String(s.listed !== false);
    f.reason.value = "";
    P.fill(P.$("[data-edit-rounds]", edit), c.rounds.map(function (r) {
      var done = r.status === "closed" || r.status === "finalized";
      return el("div", { class: "field-row round-row" },
        el("div", { class: "field" }, el("label", { for: "e_opens_" + r.n }, "Tuần " + r.n + ": bắt đầu"),
           el("input", { id: "e_opens_" + r.n, type: "datetime-local", "data-n": r.n, "data-edit-opens": "",
                         value: local(r.opens_at), disabled: done || r.status === "open" })),
        el("div", { class: "field" }, el("label", { for: "e_closes_" + r.n }, "Tuần " + r.n + ": kết thúc"),
           el("input", { id: "e_closes_" + r.n, type: "datetime-local", "data-n": r.n, "data-edit-closes": "",
                         value: local(r.closes_at), disabled: done })));
    }));
  }
  edit.addEventListener("submit", function (e) {
    e.preventDefault();
    var box = P.$("[data-edit-error]", edit), ok = P.$("[data-edited]", edit), f = edit.elements, c = current;
    P.showError(box, null);
    ok.hidden = true;
    if (!c) return;
    var body = {}, settings = {}, s = c.settings || {};
    if (f.title.value.trim() !== c.title) body.title = f.title.value.trim();
    if (!f.questions_per_attempt.disabled) {
      var q = parseInt(f.questions_per_attempt.value, 10), t = Math.round(parseFloat(f.time_limit_min.value) * 60),
          m = parseInt(f.max_attempts.value, 10);
      if (q !== s.questions_per_attempt) settings.questions_per_attempt = q;
      if (t !== s.time_limit_s) settings.time_limit_s = t;
      if (m !== s.max_attempts_per_round) settings.max_attempts_per_round = m;
    }
    if (f.live_board.value !== (s.live_board || "scores")) settings.live_board = f.live_board.value;
    if (f.registration.value !== (s.registration || "open")) settings.registration = f.registration.value;
    if (f.answer_review.value !== (s.answer_review || "after_round")) settings.answer_review = f.answer_review.value;
    if ((f.listed.value === "true") !== (s.listed !== false)) settings.listed = f.listed.value === "true";
    if (Object.keys(settings).length) body.settings = settings;
    var changed = c.rounds.map(function (r) {
      var o = P.$("#e_opens_" + r.n, edit), k = P.$("#e_closes_" + r.n, edit), item = { n: r.n };
      if (!o.disabled && o.value && o.value !== local(r.opens_at)) item.opens_at = vn(o.value);
      if (!k.disabled && k.value && k.value !== local(r.closes_at)) item.closes_at = vn(k.value);
      return item;
    }).filter(function (item) { return item.opens_at || item.closes_at; });
    if (changed.length) body.rounds = changed;
    if (!Object.keys(body).length) { P.showError(box, { detail: "Chưa có gì thay đổi." }); return; }
    if (f.reason.value.trim()) body.reason = f.reason.value.trim();
    P.api("/admin/contests/" + encodeURIComponent(c.code), { method: "PATCH", body: body }).then(function (saved) {
      ok.textContent = "Đã lưu thay đổi của hội thi “" + saved.title + "”.";
      ok.hidden = false;
      var option = select.querySelector('option[value="' + saved.code + '"]');
      if (option) option.textContent = saved.title + " (" + saved.code + ")" +
        (saved.settings && saved.settings.listed === false ? " – không công khai" : "");
      rounds(saved.code);
    }).catch(function (err) { P.showError(box, err); });
  });

  P.contestSelects(rounds).then(function () { if (select.value) rounds(select.value); }).catch(function (err) { P.showError(errorBox, err); });

  // ---- create a contest -----------------------------------------------------------------------
  var form = P.$("[data-create-contest]"), rows = P.$("[data-round-rows]"), count = 0;
  function addRound() {
    count += 1;
    var i = count;
    rows.appendChild(el("div", { class: "field-row round-row" },
      el("div", { class: "field" }, el("label", { for: "opens_" + i }, "Tuần " + i + ": bắt đầu"),
         el("input", { id: "opens_" + i, type: "datetime-local", "data-opens": "", required: true })),
      el("div", { class: "field" }, el("label", { for: "closes_" + i }, "Tuần " + i + ": kết thúc"),
         el("input", { id: "closes_" + i, type: "datetime-local", "data-closes": "", required: true }))));
  }
  P.$("[data-add-round]").addEventListener("click", addRound);
  addRound();
  // datetime-local has no zone: the organizer types Vietnamese time (UTC+7, no daylight saving).
  function vn(value) { return value ? value + (value.length === 16 ? ":00" : "") + "+07:00" : null; }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var formError = P.$("[data-form-error]", form);
    P.showError(formError, null);
    var f = form.elements;
    var opens = P.$all("[data-opens]", form), closes = P.$all("[data-closes]", form);
    var list = opens.map(function (o, i) { return { opens_at: vn(o.value), closes_at: vn(closes[i].value) }; });
    if (!f.code.value.trim() || !f.title.value.trim() || list.some(function (r) { return !r.opens_at || !r.closes_at; })) {
      P.showError(formError, { detail: "Vui lòng nhập mã, tên hội thi và thời gian bắt đầu, kết thúc của mỗi tuần thi." });
      return;
    }
    var body = { code: f.code.value.trim(), title: f.title.value.trim(), rounds: list, settings: {
      questions_per_attempt: parseInt(f.questions_per_attempt.value, 10),
      time_limit_s: Math.round(parseFloat(f.time_limit_min.value) * 60),
      max_attempts_per_round: parseInt(f.max_attempts.value, 10),
      prediction_target: f.prediction_target.value, registration: f.registration.value,
      answer_review: f.answer_review.value,
      listed: f.listed.value === "true" } };
    P.api("/admin/contests", { body: body }).then(function (c) {
      var ok = P.$("[data-created]");
      ok.textContent = "Đã tạo hội thi “" + c.title + "” với " + c.rounds.length + " tuần thi.";
      ok.hidden = false;
      select.appendChild(el("option", { value: c.code }, c.title + " (" + c.code + ")"));
      select.value = c.code;
      rounds(c.code);
    }).catch(function (err) { P.showError(formError, err); });
  });
})();
