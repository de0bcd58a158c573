/* Staff accounts (SPEC 6, organizers): list, create, change role/unit/name, deactivate and
 * reactivate (sessions end at once), one-time passwords shown once with a copy button. */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  if (!P.requireRole(["organizer"])) return;
  var STAFF_ROLES = ["organizer", "expert", "judge", "monitor"];
  var errorBox = P.$("[data-error]"), notice = P.$("[data-notice]"), tbody = P.$("[data-staff]");
  var editForm = P.$("[data-edit]"), createForm = P.$("[data-create]"), resetForm = P.$("[data-reset-other]");
  var editing = null, meId = null;

  function say(text) { notice.textContent = text || ""; notice.hidden = !text; }

  P.$all("[data-roles]").forEach(function (s) {
    P.fill(s, STAFF_ROLES.map(function (r) { return el("option", { value: r }, P.ROLE_NAMES[r]); }));
    s.value = "expert";
  });
  var unitsReady = P.api("/units").then(function (units) {
    P.$all("[data-units]").forEach(function (s) {
      P.fill(s, [el("option", { value: "" }, "— Không thuộc đơn vị —")].concat(units.map(function (u) {
        return el("option", { value: u.code }, u.name + " (" + u.code + ")");
      })));
    });
  }).catch(function (err) { P.showError(errorBox, err); });

  function showOtp(who, password) {
    var box = P.$("[data-otp]");
    P.$("[data-otp-who]").textContent = who;
    P.$("[data-otp-value]").value = password;
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
    P.$("[data-otp-value]").select();
  }
  P.$("[data-otp-copy]").addEventListener("click", function () {
    var input = P.$("[data-otp-value]");
    var done = function () { say("Đã sao chép mật khẩu một lần."); };
    input.select();
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
    } else { document.execCommand("copy"); done(); }
  });
  P.$("[data-otp-close]").addEventListener("click", function () {
    P.$("[data-otp-value]").value = "";
    P.$("[data-otp]").hidden = true;
  });

  function reset(id, who, reason) {
    return P.api("/admin/accounts/" + encodeURIComponent(id) + "/password-reset", { body: { reason: reason } })
      .then(function (out) { showOtp(who, out.temporary_password); });
  }

  function patch(s, body) {
    return P.api("/admin/staff/" + encodeURIComponent(s.id), { method: "PATCH", body: body });
  }

  function row(s) {
    var self = s.id === meId;
    var toggle = el("button", { type: "button", class: "button small" + (s.active ? " danger" : ""), disabled: self,
                                title: self ? "Không thể tự khóa tài khoản đang đăng nhập" : null,
                                onclick: function () {
      var reason = window.prompt(s.active
        ? "Khóa tài khoản " + s.username + "? Mọi phiên đăng nhập của tài khoản này kết thúc ngay. Lý do:"
        : "Mở khóa tài khoản " + s.username + "? Lý do:", "");
      if (reason === null) return;
      P.showError(errorBox, null);
      patch(s, { active: !s.active, reason: reason || null }).then(function () {
        say(s.active ? "Đã khóa tài khoản " + s.username + "." : "Đã mở khóa tài khoản " + s.username + ".");
        load();
      }).catch(function (err) { P.showError(errorBox, err); });
    } }, s.active ? "Khóa" : "Mở khóa");
    var edit = el("button", { type: "button", class: "button small", onclick: function () { startEdit(s); } }, "Sửa");
    var otp = el("button", { type: "button", class: "button small", onclick: function () {
      var reason = window.prompt("Cấp mật khẩu một lần cho " + s.username + "? Mật khẩu cũ và mọi phiên đăng nhập sẽ không dùng được nữa. Lý do:", "");
      if (reason === null) return;
      if (!reason.trim()) { P.showError(errorBox, { detail: "Cần ghi lý do cấp mật khẩu một lần." }); return; }
      P.showError(errorBox, null);
      reset(s.id, s.full_name + " (" + s.username + ")", reason.trim()).catch(function (err) { P.showError(errorBox, err); });
    } }, "Cấp mật khẩu một lần");
    return el("tr", { "data-username": s.username },
      el("td", {}, el("code", {}, s.username)),
      el("td", {}, s.full_name),
      el("td", {}, P.ROLE_NAMES[s.role] || s.role),
      el("td", {}, s.unit_code || "—"),
      el("td", {}, el("span", { class: "chip " + (s.active ? "open" : "closed") }, s.active ? "Đang hoạt động" : "Đã khóa")),
      el("td", {}, el("div", { class: "row-actions" }, edit, toggle, otp)));
  }

  function load() {
    return P.api("/admin/staff").then(function (list) {
      if (!list.length) return P.emptyRow(tbody, 6, "Chưa có tài khoản cán bộ.");
      P.fill(tbody, list.map(row));
    }).catch(function (err) { P.showError(errorBox, err); });
  }

  function startEdit(s) {
    editing = s;
    P.showError(P.$("[data-edit-error]"), null);
    P.$("[data-edit-who]").textContent = s.username;
    var f = editForm.elements;
    f.full_name.value = s.full_name;
    f.role.value = s.role;
    f.unit_code.value = s.unit_code || "";
    f.reason.value = "";
    editForm.hidden = false;
    f.full_name.focus();
  }
  P.$("[data-edit-cancel]").addEventListener("click", function () { editForm.hidden = true; editing = null; });
  editForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!editing) return;
    var f = editForm.elements, body = {};
    if (f.full_name.value.trim() !== editing.full_name) body.full_name = f.full_name.value.trim();
    if (f.role.value !== editing.role) body.role = f.role.value;
    if ((f.unit_code.value || null) !== (editing.unit_code || null)) body.unit_code = f.unit_code.value || null;
    if (f.reason.value.trim()) body.reason = f.reason.value.trim();
    var who = editing.username;
    patch(editing, body).then(function () {
      editForm.hidden = true; editing = null;
      say("Đã lưu tài khoản " + who + ".");
      load();
    }).catch(function (err) { P.showError(P.$("[data-edit-error]"), err); });
  });

  createForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = createForm.elements, box = P.$("[data-create-error]");
    var body = { username: f.username.value.trim(), password: f.password.value, role: f.role.value,
                 full_name: f.full_name.value.trim(), id_number: f.id_number.value.trim(), unit_code: f.unit_code.value || null };
    if (!body.username || !body.password || !body.full_name || !body.id_number) {
      P.showError(box, { detail: "Vui lòng điền tên đăng nhập, mật khẩu, họ và tên, số CCCD." });
      return;
    }
    P.showError(box, null);
    P.api("/admin/staff", { body: body }).then(function (out) {
      createForm.reset();
      f.role.value = "expert";
      say("Đã tạo tài khoản " + out.username + ".");
      load();
    }).catch(function (err) { P.showError(box, err); });
  });

  resetForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = resetForm.elements, box = P.$("[data-reset-error]");
    var id = f.id.value.trim(), reason = f.reason.value.trim();
    if (!id || !reason) { P.showError(box, { detail: "Vui lòng nhập mã tài khoản và lý do." }); return; }
    P.showError(box, null);
    reset(id, "tài khoản " + id, reason).then(function () { resetForm.reset(); })
      .catch(function (err) { P.showError(box, err); });
  });

  P.api("/me").then(function (me) { meId = me.id; }, function () {}).then(function () {
    return unitsReady;
  }).then(load);
})();
