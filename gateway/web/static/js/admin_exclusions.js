/* Who may not take part in a contest (organizers): the contest's own list and the staff accounts
 * (excluded automatically, never removable here); remove a CCCD from the list with a reason. */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  if (!P.requireRole(["organizer"])) return;
  var form = P.$("[data-filters]"), list = P.$("[data-exclusions]"), errorBox = P.$("[data-error]");
  var summary = P.$("[data-summary]"), done = P.$("[data-done]"), rows = [], seq = 0;
  var SOURCE = { list: "Danh sách của hội thi", staff: "Tài khoản cán bộ (tự động)" };

  function base() { return "/admin/contests/" + encodeURIComponent(form.elements.contest.value) + "/exclusions"; }

  function fold(s) {
    return (s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }

  function load() {
    P.showError(errorBox, null);
    if (!form.elements.contest.value) { summary.textContent = "Chưa có hội thi nào."; return; }
    summary.textContent = "Đang tải…";
    var mine = ++seq;  // only the latest request shows (another contest may have been chosen since)
    P.api(base()).then(function (data) { if (mine === seq) { rows = data; show(); } })
      .catch(function (err) { if (mine === seq) { summary.textContent = ""; P.showError(errorBox, err); } });
  }

  function show() {
    var find = fold(form.elements.find.value.trim());
    var shown = rows.filter(function (r) { return !find || r.id_number.indexOf(find) >= 0 || fold(r.full_name).indexOf(find) >= 0; });
    var listed = rows.filter(function (r) { return r.source === "list"; }).length;
    summary.textContent = P.fmt.int(rows.length) + " người không được dự thi: " + P.fmt.int(listed) +
      " trong danh sách của hội thi, " + P.fmt.int(rows.length - listed) + " tài khoản cán bộ" +
      (find ? "; " + P.fmt.int(shown.length) + " người khớp tìm kiếm." : ".");
    if (!shown.length) return P.fill(list, [el("li", { class: "muted" }, rows.length ? "Không có ai khớp tìm kiếm." : "Danh sách trống.")]);
    P.fill(list, shown.slice(0, 500).map(item).concat(shown.length > 500
      ? [el("li", { class: "muted" }, "… và " + P.fmt.int(shown.length - 500) + " người nữa: hãy tìm theo số CCCD hoặc họ tên.")] : []));
  }

  function item(r) {
    var panel = el("div", { class: "exclusion-panel" });
    var action = r.source === "staff"
      ? el("span", { class: "hint" }, "Không bỏ được")
      : el("button", { type: "button", class: "button small danger", onclick: function () { removeForm(r, panel); } }, "Bỏ khỏi danh sách");
    return el("li", { class: "exclusion-item", "data-id-number": r.id_number },
      el("div", { class: "who" }, el("strong", {}, r.id_number), " ", r.full_name ? el("span", {}, r.full_name) : el("span", { class: "muted" }, "(chưa đăng ký)")),
      el("span", { class: "chip " + (r.source === "staff" ? "finalized" : "scheduled") }, SOURCE[r.source] || r.source),
      action, panel);
  }

  function removeForm(r, panel) {
    var id = "r_" + r.id_number;
    var reason = el("input", { id: id, maxlength: 500, placeholder: "vd. Nhập nhầm số CCCD" });
    var button = el("button", { type: "submit", class: "button primary small" }, "Xác nhận bỏ");
    var err = el("div", { class: "form-error", role: "alert", hidden: true });
    var f = el("form", { class: "form", novalidate: true }, err,
      el("div", { class: "field" }, el("label", { for: id }, "Lý do bỏ " + r.id_number + " khỏi danh sách"), reason),
      el("p", { class: "actions" }, button,
        el("button", { type: "button", class: "button small", onclick: function () { P.fill(panel, []); } }, "Hủy")));
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      button.disabled = true;
      var body = reason.value.trim() ? { reason: reason.value.trim() } : undefined;
      P.api(base() + "/" + encodeURIComponent(r.id_number), { method: "DELETE", body: body }).then(function () {
        done.textContent = "Đã bỏ " + r.id_number + " khỏi danh sách: người này nay được dự thi.";
        done.hidden = false;
        load();
      }).catch(function (e2) { P.showError(err, e2); button.disabled = false; });
    });
    P.fill(panel, [f]);
    reason.focus();
  }

  form.addEventListener("submit", function (e) { e.preventDefault(); show(); });
  form.elements.find.addEventListener("input", show);
  P.contestSelects(function () { done.hidden = true; load(); }).then(load).catch(function (err) { P.showError(errorBox, err); });
})();
