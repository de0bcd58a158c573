/* Change one's own password (POST /me/password); also the forced change after a login with a
 * one-time password (login.js sends the user here with ?bat_buoc=1). Every earlier session ends,
 * so the user logs in again with the new password. */
(function () {
  "use strict";
  var P = window.Portal;
  var params = new URLSearchParams(location.search);
  if (!P.Auth.token()) {
    location.href = "/dang-nhap?next=" + encodeURIComponent(location.pathname + location.search);
    return;
  }
  var forced = params.get("bat_buoc") === "1" || sessionStorage.getItem("cchc.pwc") === "1";
  var form = P.$("[data-password]");
  if (forced) {
    P.$("[data-forced]").hidden = false;
    P.$("[data-current-label]").textContent = "Mật khẩu một lần (do Ban Tổ chức cấp)";
  }
  form.elements.current_password.focus();

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var f = form.elements;
    var current = f.current_password.value, next = f.new_password.value, again = f.confirm_password.value;
    P.fieldError(form, "current_password", current ? "" : "Vui lòng nhập mật khẩu hiện tại.");
    P.fieldError(form, "new_password", next.length >= 6 ? "" : "Mật khẩu mới phải có ít nhất 6 ký tự.");
    P.fieldError(form, "confirm_password", again === next ? "" : "Hai lần nhập mật khẩu mới không giống nhau.");
    if (!current || next.length < 6 || again !== next) return;
    P.showError(P.$("[data-form-error]"), null);
    P.api("/me/password", { body: { current_password: current, new_password: next } }).then(function () {
      var login = sessionStorage.getItem("cchc.login") || "";
      var after = params.get("next") || "";
      P.Auth.clear();
      ["cchc.pwc", "cchc.login"].forEach(function (k) { sessionStorage.removeItem(k); });
      location.href = "/dang-nhap?doi_mat_khau=1" + (login ? "&username=" + encodeURIComponent(login) : "") +
        (after ? "&next=" + encodeURIComponent(after) : "");
    }).catch(function (err) {
      if (err.code === "wrong_password") P.fieldError(form, "current_password", err.detail);
      else if (err.code === "invalid_password" || err.code === "same_password") P.fieldError(form, "new_password", err.detail);
      else P.showError(P.$("[data-form-error]"), err);
    });
  });
})();
