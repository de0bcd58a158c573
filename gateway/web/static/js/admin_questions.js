/* The question bank of a contest (organizers and experts): search (with or without diacritics),
 * filter by active / drawn, edit a question no attempt has drawn, deactivate or reactivate any
 * question with a reason. Pages of PAGE questions; the total comes in X-Total-Count. */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  if (!P.requireRole(["organizer", "expert"])) return;
  var PAGE = 50, KEYS = ["A", "B", "C", "D"];
  var form = P.$("[data-filters]"), list = P.$("[data-questions]"), errorBox = P.$("[data-error]");
  var summary = P.$("[data-summary]"), pager = P.$("[data-pager]"), offset = 0, total = 0, seq = 0;

  function base() { return "/admin/contests/" + encodeURIComponent(form.elements.contest.value) + "/questions"; }

  function query() {
    var f = form.elements, params = ["limit=" + PAGE, "offset=" + offset];
    var q = (f.q.value || "").trim();
    if (q) params.push("q=" + encodeURIComponent(q));
    if (f.active.value) params.push("active=" + f.active.value);
    if (f.used.value) params.push("used=" + f.used.value);
    return "?" + params.join("&");
  }

  function load() {
    P.showError(errorBox, null);
    if (!form.elements.contest.value) { summary.textContent = "Chưa có hội thi nào."; return; }
    summary.textContent = "Đang tải…";
    var mine = ++seq;  // only the latest request shows (the filters may have changed since)
    P.api(base() + query(), { raw: true }).then(function (resp) {
      if (mine !== seq) return null;
      total = Number(resp.headers.get("X-Total-Count") || 0);
      return resp.json();
    }).then(function (rows) {
      if (rows === null || mine !== seq) return;
      if (!rows.length && offset > 0 && total > 0) { offset = Math.max(0, offset - PAGE); return load(); }
      summary.textContent = total
        ? "Tìm thấy " + P.fmt.int(total) + " câu hỏi" + (total > PAGE ? "; đang xem câu " + (offset + 1) + "–" + (offset + rows.length) : "") + "."
        : "Không có câu hỏi nào khớp.";
      P.fill(list, rows.map(card));
      pager.hidden = total <= PAGE;
      P.$("[data-prev]").disabled = offset === 0;
      P.$("[data-next]").disabled = offset + PAGE >= total;
      P.$("[data-page-label]").textContent = "Trang " + (Math.floor(offset / PAGE) + 1) + "/" + Math.max(1, Math.ceil(total / PAGE));
    }).catch(function (err) { if (mine === seq) { summary.textContent = ""; P.showError(errorBox, err); } });
  }

  function chips(q) {
    return el("p", { class: "chips" },
      el("span", { class: "chip " + (q.active ? "open" : "closed") }, q.active ? "Đang sử dụng" : "Đã ngừng sử dụng"), " ",
      el("span", { class: "chip " + (q.used ? "finalized" : "scheduled") }, q.used ? "Đã vào đề" : "Chưa vào đề"));
  }

  function card(q) {
    var box = el("article", { class: "card question-item", "data-question": q.id });
    var body = el("div", {},
      el("p", { class: "question-text" }, q.text),
      el("ol", { class: "options", type: "A" }, q.options.map(function (o) {
        return el("li", { class: o.key === q.answer ? "right" : null },
          o.text, o.key === q.answer ? el("strong", {}, " (đáp án đúng)") : null);
      }).reduce(function (f, n) { f.appendChild(n); return f; }, document.createDocumentFragment())),
      q.source ? el("p", { class: "hint" }, "Nguồn: " + q.source) : null,
      chips(q));
    var panel = el("div", { class: "question-panel" });
    var actions = el("p", { class: "actions" },
      q.used ? el("span", { class: "hint" }, "Đã vào đề: không sửa được nội dung.")
        : el("button", { type: "button", class: "button small", onclick: function () { editForm(q, panel); } }, "Sửa"),
      el("button", { type: "button", class: "button small" + (q.active ? " danger" : ""), onclick: function () { activeForm(q, panel); } },
        q.active ? "Ngừng sử dụng" : "Dùng lại"));
    P.fill(box, [body, actions, panel]);
    return box;
  }

  function fieldOf(id, label, input) { return el("div", { class: "field" }, el("label", { for: id }, label), input); }

  function save(q, panel, payload, button) {
    var err = P.$("[data-panel-error]", panel);
    P.showError(err, null);
    button.disabled = true;
    P.api(base() + "/" + encodeURIComponent(q.id), { method: "PATCH", body: payload })
      .then(function () { load(); })
      .catch(function (e) { P.showError(err, e); button.disabled = false; });
  }

  function editForm(q, panel) {
    var id = "e_" + q.id;
    var text = el("textarea", { id: id + "_text", rows: 3, maxlength: 2000, required: true });
    text.value = q.text;
    var options = q.options.map(function (o) {
      var input = el("input", { id: id + "_" + o.key, maxlength: 1000, required: true });
      input.value = o.text;
      return { key: o.key, input: input };
    });
    var answer = el("select", { id: id + "_answer" }, KEYS.map(function (k) {
      return el("option", { value: k, selected: k === q.answer }, k);
    }).reduce(function (f, n) { f.appendChild(n); return f; }, document.createDocumentFragment()));
    var reason = el("input", { id: id + "_reason", maxlength: 500, placeholder: "vd. Sửa lỗi chính tả; đáp án cũ sai" });
    var button = el("button", { type: "submit", class: "button primary small" }, "Lưu câu hỏi");
    var f = el("form", { class: "form edit-question", novalidate: true },
      el("h3", {}, "Sửa câu hỏi"),
      el("div", { class: "form-error", role: "alert", "data-panel-error": "", hidden: true }),
      fieldOf(id + "_text", "Nội dung câu hỏi", text),
      options.map(function (o) { return fieldOf(id + "_" + o.key, "Phương án " + o.key, o.input); })
        .reduce(function (fr, n) { fr.appendChild(n); return fr; }, document.createDocumentFragment()),
      fieldOf(id + "_answer", "Đáp án đúng", answer),
      fieldOf(id + "_reason", "Lý do thay đổi", reason),
      el("p", { class: "actions" }, button,
        el("button", { type: "button", class: "button small", onclick: function () { P.fill(panel, []); } }, "Hủy")));
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var payload = { text: text.value.trim(), answer: answer.value,
                      options: options.map(function (o) { return { key: o.key, text: o.input.value.trim() }; }) };
      if (reason.value.trim()) payload.reason = reason.value.trim();
      save(q, panel, payload, button);
    });
    P.fill(panel, [f]);
    text.focus();
  }

  function activeForm(q, panel) {
    var id = "a_" + q.id;
    var reason = el("input", { id: id + "_reason", maxlength: 500, placeholder: q.active ? "vd. Nội dung không còn phù hợp" : "" });
    var button = el("button", { type: "submit", class: "button primary small" }, q.active ? "Xác nhận ngừng sử dụng" : "Xác nhận dùng lại");
    var f = el("form", { class: "form", novalidate: true },
      el("div", { class: "form-error", role: "alert", "data-panel-error": "", hidden: true }),
      el("p", { class: "hint" }, q.active
        ? "Câu hỏi sẽ không được bốc thăm vào đề thi mới; các lượt thi đã có câu hỏi này vẫn được chấm như cũ."
        : "Câu hỏi sẽ được bốc thăm vào đề thi trở lại."),
      fieldOf(id + "_reason", "Lý do", reason),
      el("p", { class: "actions" }, button,
        el("button", { type: "button", class: "button small", onclick: function () { P.fill(panel, []); } }, "Hủy")));
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var payload = { active: !q.active };
      if (reason.value.trim()) payload.reason = reason.value.trim();
      save(q, panel, payload, button);
    });
    P.fill(panel, [f]);
    reason.focus();
  }

  form.addEventListener("submit", function (e) { e.preventDefault(); offset = 0; load(); });
  P.$("[data-prev]").addEventListener("click", function () { offset = Math.max(0, offset - PAGE); load(); });
  P.$("[data-next]").addEventListener("click", function () { offset += PAGE; load(); });
  P.contestSelects(function () { offset = 0; load(); }).then(load).catch(function (err) { P.showError(errorBox, err); });
})();
