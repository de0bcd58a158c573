/* Contestants (SPEC 6): search by name (with or without diacritics), CCCD or phone; disqualify from
 * the chosen contest or reinstate, with a reason; the contest's disqualified contestants. Organizers. */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  if (!P.requireRole(["organizer"])) return;
  var PAGE = 20;
  var errorBox = P.$("[data-error]"), form = P.$("[data-search]"), results = P.$("[data-results]");
  var listBox = P.$("[data-disqualified]"), status = P.$("[data-search-status]"), pager = P.$("[data-pager]");
  var contestSelect = P.$("[data-contest-select]"), dialog = P.$("[data-reason-dialog]");
  var reasonForm = P.$("[data-reason-form]"), reasonError = P.$("[data-reason-error]");
  var offset = 0, lastCount = 0, pending = null;

  function contest() { return contestSelect.value; }

  function details(p) {
    var parts = ["Đơn vị " + (p.unit_code || "—")];
    if (p.id_number) parts.push("CCCD " + p.id_number);
    if (p.phone) parts.push("ĐT " + p.phone);
    return parts.join(" · ");
  }

  function personItem(p, action, extra) {
    return el("li", { class: "person" },
      el("div", { class: "who" }, el("strong", {}, p.full_name), el("br"), el("span", { class: "muted" }, details(p)),
        extra ? el("br") : null, extra || null),
      action);
  }

  var TITLES = {
    disqualify: ["Loại thí sinh khỏi hội thi", "Loại thí sinh"],
    reinstate: ["Khôi phục thí sinh", "Khôi phục"],
    reset: ["Cấp mật khẩu dùng một lần", "Cấp mật khẩu"]
  };

  function ask(kind, person) {
    pending = { kind: kind, person: person };
    P.$("[data-reason-title]").textContent = TITLES[kind][0];
    P.$("[data-reason-who]").textContent = person.full_name + (kind === "reset" ? "" : " — hội thi " + contest());
    P.$("[data-reason-ok]").textContent = TITLES[kind][1];
    reasonForm.elements.reason.value = "";
    P.showError(reasonError, null);
    dialog.showModal();
    reasonForm.elements.reason.focus();
  }

  function act(kind, person, reason) {
    if (kind === "reset") {
      // The one-time password is shown once, here; the old password and every session end now, and
      // the person must choose a new one at their next login (SPEC 6).
      return P.api("/admin/accounts/" + encodeURIComponent(person.id) + "/password-reset", { body: { reason: reason } })
        .then(function (r) {
          P.fill(status, [el("span", {}, "Mật khẩu dùng một lần của " + person.full_name + ": "),
            el("code", { "data-temporary-password": "" }, r.temporary_password),
            el("span", {}, " — chỉ hiện một lần; hãy báo cho thí sinh, họ sẽ phải đổi mật khẩu khi đăng nhập.")]);
        });
    }
    var code = encodeURIComponent(contest());
    var call = kind === "disqualify"
      ? P.api("/admin/contests/" + code + "/disqualifications", { body: { contestant_id: person.id, reason: reason } })
      : P.api("/admin/contests/" + code + "/disqualifications/" + encodeURIComponent(person.id),
              { method: "DELETE", body: { reason: reason } });
    return call.then(function () {
      status.textContent = (kind === "disqualify" ? "Đã loại " : "Đã khôi phục ") + person.full_name + ".";
      return Promise.all([search(), loadList()]);
    });
  }

  reasonForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var reason = (reasonForm.elements.reason.value || "").trim();
    if (!reason) { P.showError(reasonError, { detail: "Cần ghi lý do." }); return; }
    var job = pending;
    act(job.kind, job.person, reason).then(function () { dialog.close(); })
      .catch(function (err) { P.showError(reasonError, err); });
  });
  P.$("[data-reason-cancel]").addEventListener("click", function () { dialog.close(); });

  function button(kind, person) {
    var label = { disqualify: "Loại khỏi hội thi", reinstate: "Khôi phục", reset: "Cấp mật khẩu mới" }[kind];
    var b = el("button", { type: "button", class: "button small" + (kind === "disqualify" ? " danger" : ""),
                           "data-action": kind }, label);
    b.addEventListener("click", function () { ask(kind, person); });
    return b;
  }

  function search() {
    P.showError(errorBox, null);
    var f = form.elements, params = ["limit=" + PAGE, "offset=" + offset];
    var q = (f.q.value || "").trim();
    if (q) params.push("q=" + encodeURIComponent(q));
    if (f.unit.value) params.push("unit=" + encodeURIComponent(f.unit.value));
    return P.api("/admin/contestants?" + params.join("&")).then(function (rows) {
      lastCount = rows.length;
      status.textContent = rows.length
        ? "Kết quả " + (offset + 1) + "–" + (offset + rows.length) + (rows.length === PAGE ? " (còn trang sau)" : "")
        : (offset ? "Không còn kết quả." : "Không tìm thấy thí sinh nào.");
      P.fill(results, rows.map(function (p) {
        var out = (p.disqualified_in || []).indexOf(contest()) >= 0;
        return personItem(p, el("span", { class: "row-actions" }, button(out ? "reinstate" : "disqualify", p), button("reset", p)),
          out ? el("span", { class: "badge" }, "Đã bị loại khỏi hội thi này") : null);
      }));
      pager.hidden = !(offset || rows.length === PAGE);
      P.$("[data-prev]").disabled = offset === 0;
      P.$("[data-next]").disabled = rows.length < PAGE;
    }).catch(function (err) { P.showError(errorBox, err); });
  }

  function loadList() {
    if (!contest()) return Promise.resolve();
    return P.api("/admin/contests/" + encodeURIComponent(contest()) + "/disqualifications").then(function (rows) {
      if (!rows.length) { P.fill(listBox, [el("li", { class: "muted" }, "Chưa có thí sinh nào bị loại.")]); return; }
      P.fill(listBox, rows.map(function (d) {
        var p = { id: d.contestant_id, full_name: d.full_name || d.contestant_id, unit_code: d.unit_code,
                  id_number: d.id_number };
        return personItem(p, button("reinstate", p),
          el("span", {}, "Lý do: " + d.reason + " — " + d.by + ", " + P.fmt.dateTime(d.at)));
      }));
    }).catch(function (err) { P.showError(errorBox, err); });
  }

  form.addEventListener("submit", function (ev) { ev.preventDefault(); offset = 0; search(); });
  P.$("[data-prev]").addEventListener("click", function () { offset = Math.max(0, offset - PAGE); search(); });
  P.$("[data-next]").addEventListener("click", function () { if (lastCount === PAGE) { offset += PAGE; search(); } });
  contestSelect.addEventListener("change", function () { search(); loadList(); });

  P.api("/units").then(function (units) {
    var select = P.$("[data-units]");
    units.forEach(function (u) { select.appendChild(el("option", { value: u.code }, u.name + " (" + u.code + ")")); });
  }).catch(function () { /* the search still works without the list */ });
  P.contestSelects().then(function () { loadList(); search(); })
    .catch(function (err) { P.showError(errorBox, err); });
})();
