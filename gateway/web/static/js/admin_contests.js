/* Contests and rounds: the rounds of a contest (close one now), and a form to create a contest. */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  if (!P.requireRole(["organizer", "expert"])) return;
  var select = P.$("#c_contest"), errorBox = P.$("[data-error]");

  function rounds(code) {
    var tbody = P.$("[data-rounds]");
    P.api("/contests/" + encodeURIComponent(code)).then(function (c) {
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
      prediction_target: f.prediction_target.value, registration: f.registration.value } };
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
