/* Registration: inline validation (CCCD 12 digits, Vietnamese mobile), the unit picked from a
 * searchable list (pre-selected by ?unit=CODE from an agency's banner), server errors by field. */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  var form = P.$("[data-register]");
  var units = [];
  var search = P.$("#unit_search"), select = P.$("#unit_code");
  var preselect = new URLSearchParams(location.search).get("unit") || sessionStorage.getItem("cchc.unit") || "";

  // Same rules as the quiz service (services/quiz/schemas.py), checked here first for quick feedback.
  function normalizePhone(v) {
    var d = v.replace(/[\s.\-()]/g, "");
    if (d.indexOf("+84") === 0) d = "0" + d.slice(3);
    else if (d.indexOf("84") === 0 && d.length === 11) d = "0" + d.slice(2);
    return d;
  }
  // "0123 4567 8901" or "0123.4567.8901" as printed on the card: the spaces and dots go before the
  // 12-digit limit applies (the field has no maxlength that would cut the pasted text first).
  function cccd(v) { return v.replace(/[\s.\-]/g, ""); }
  var idInput = form.elements.id_number;
  idInput.addEventListener("input", function () {
    var clean = cccd(idInput.value);
    if (/^\d{13,}$/.test(clean)) clean = clean.slice(0, 12);
    if (clean !== idInput.value) idInput.value = clean;
  });
  var checks = {
    full_name: function (v) { return v.trim() ? "" : "Vui lòng nhập họ và tên."; },
    id_number: function (v) { return /^\d{12}$/.test(cccd(v)) ? "" : "Số CCCD phải gồm đúng 12 chữ số."; },
    phone: function (v) {
      return /^0[35789]\d{8}$/.test(normalizePhone(v.trim())) ? ""
        : "Số điện thoại di động không hợp lệ (10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09).";
    },
    unit_code: function (v) { return v ? "" : "Vui lòng chọn cơ quan, đơn vị."; },
    position: function (v) { return v.trim() ? "" : "Vui lòng nhập chức vụ, vị trí công tác."; },
    email: function (v) { return !v || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v.trim()) ? "" : "Địa chỉ thư điện tử không hợp lệ."; },
    date_of_birth: function () { return ""; },
    password: function (v) { return v.length >= 6 ? "" : "Mật khẩu phải có ít nhất 6 ký tự."; },
    password2: function (v) { return v === form.elements.password.value ? "" : "Hai lần nhập mật khẩu không khớp."; },
  };
  function check(name) {
    var input = form.elements[name];
    // The server said this value is taken: its message (and links) stay until the value changes.
    if (input.dataset.taken && input.dataset.taken === input.value) return false;
    var message = checks[name](input.value);
    P.fieldError(form, name, message);
    return !message;
  }
  Object.keys(checks).forEach(function (name) {
    var input = form.elements[name];
    input.addEventListener("blur", function () { if (input.value || name === "unit_code") check(name); });
    input.addEventListener("input", function () { if (input.getAttribute("aria-invalid")) check(name); });
  });

  // Search ignores case and diacritics: "so noi vu" finds "Sở Nội vụ".
  function fold(s) { return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase(); }
  function showUnits() {
    var q = fold(search.value.trim()), keep = select.value;
    var shown = units.filter(function (u) { return !q || fold(u.name + " " + u.code).indexOf(q) >= 0; });
    P.fill(select, shown.map(function (u) { return el("option", { value: u.code }, u.name); }));
    if (keep && shown.some(function (u) { return u.code === keep; })) select.value = keep;
    else if (shown.length === 1) select.value = shown[0].code;
  }
  search.addEventListener("input", showUnits);
  search.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" && select.options.length) { e.preventDefault(); select.focus(); if (!select.value) select.selectedIndex = 0; }
    // Enter picks from the list instead of sending the half-filled form.
    if (e.key === "Enter") {
      e.preventDefault();
      if (select.options.length) {
        if (!select.value) select.selectedIndex = 0;
        select.focus();
        check("unit_code");
      }
    }
  });
  select.addEventListener("change", function () { check("unit_code"); });

  P.api("/units").then(function (list) {
    units = list.slice().sort(function (a, b) { return a.name.localeCompare(b.name, "vi"); });
    showUnits();
    if (preselect && units.some(function (u) { return u.code === preselect; })) {
      select.value = preselect;
      select.options[select.selectedIndex].scrollIntoView({ block: "nearest" });
    }
  }).catch(function (err) { P.showError(P.$("[data-form-error]"), err); });

  var FIELD_BY_CODE = { invalid_id_number: "id_number", invalid_phone: "phone", unknown_unit: "unit_code",
                        invalid_password: "password", invalid_email: "email" };
  /** 409 already_registered: the message beside the field that is taken (the API's `field`; the
   * CCCD when it does not say), with the way to log in and to get help with a lost password. */
  function taken(err, body) {
    var field = (err.body && err.body.field) === "phone" ? "phone" : "id_number";
    var username = field === "phone" ? body.phone : body.id_number;
    P.fieldError(form, field, err.detail);
    form.elements[field].dataset.taken = form.elements[field].value;
    var out = document.getElementById(field + "-err");
    out.appendChild(el("span", { class: "err-help", "data-taken-help": "" },
      " Nếu đây là tài khoản của bạn, hãy ",
      el("a", { href: "/dang-nhap?username=" + encodeURIComponent(username) }, "đăng nhập"),
      ". ",
      el("a", { href: "/dang-nhap?username=" + encodeURIComponent(username) + "#quen-mat-khau" }, "Quên mật khẩu?")));
    form.elements[field].focus();
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    P.showError(P.$("[data-form-error]"), null);
    var names = Object.keys(checks);
    var ok = names.map(check).every(Boolean);
    if (!ok) {
      var first = names.filter(function (n) { return form.elements[n].getAttribute("aria-invalid"); })[0];
      if (first) form.elements[first].focus();
      return;
    }
    var v = function (n) { return form.elements[n].value.trim(); };
    var body = { full_name: v("full_name"), id_number: cccd(v("id_number")), phone: normalizePhone(v("phone")),
                 unit_code: select.value, position: v("position"), password: form.elements.password.value };
    if (v("email")) body.email = v("email");
    if (v("date_of_birth")) body.date_of_birth = v("date_of_birth");
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    P.api("/contestants", { body: body, auth: false }).then(function (out) {
      // Registered: logged in at once with what was just chosen, then the quiz of this contest.
      return P.api("/auth/token", { body: { username: body.phone, password: body.password }, auth: false })
        .then(function (login) {
          P.Auth.set(login.access_token, login.role, form.elements.remember.checked);
          P.Auth.setName(out.full_name);
          registered(out, true, body.phone);
          location.href = P.withContest("/thi");
        }, function () { registered(out, false, body.phone); });
    }).catch(function (err) {
      if (err.code === "already_registered") return taken(err, body);
      var field = FIELD_BY_CODE[err.code];
      if (field) { P.fieldError(form, field, err.detail); form.elements[field].focus(); }
      else P.showError(P.$("[data-form-error]"), err);
    }).then(function () { button.disabled = false; });
  });

  function registered(out, loggedIn, phone) {
    form.hidden = true;
    var done = P.$("[data-registered]");
    P.fill(done, loggedIn
      ? [el("strong", {}, "Đăng ký thành công! "), "Chào " + out.full_name + ". Đang chuyển đến trang thi… ",
         el("a", { class: "button primary", href: "/thi" }, "Vào thi")]
      : [el("strong", {}, "Đăng ký thành công! "),
         "Chào " + out.full_name + ". Hãy đăng nhập bằng số điện thoại hoặc số CCCD để vào thi. ",
         el("a", { class: "button primary", href: "/dang-nhap?username=" + encodeURIComponent(phone) }, "Đăng nhập")]);
    done.hidden = false;
    done.querySelector("a").focus();
  }
})();
