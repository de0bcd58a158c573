/* Login: POST /auth/token, keep the token in sessionStorage, go where the role works. */
(function () {
  "use strict";
  var P = window.Portal;
  var form = P.$("[data-login]");
  var params = new URLSearchParams(location.search);
  if (params.get("username")) form.elements.username.value = params.get("username");
  var HOME = { contestant: "/thi", organizer: "/quan-tri", expert: "/quan-tri", judge: "/giam-khao", monitor: "/giam-sat" };
  if (params.get("het_han")) {
    P.showError(P.$("[data-form-error]"), { detail: "Phiên đăng nhập đã hết hạn hoặc không còn hợp lệ. Vui lòng đăng nhập lại." });
  }
  if (params.get("role")) {
    P.showError(P.$("[data-form-error]"), { detail: "Tài khoản đang đăng nhập không có quyền xem trang này. Vui lòng đăng nhập bằng tài khoản phù hợp." });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var username = form.elements.username.value.trim(), password = form.elements.password.value;
    P.fieldError(form, "username", username ? "" : "Vui lòng nhập số điện thoại, số CCCD hoặc tên đăng nhập.");
    P.fieldError(form, "password", password ? "" : "Vui lòng nhập mật khẩu.");
    if (!username || !password) return;
    P.showError(P.$("[data-form-error]"), null);
    P.api("/auth/token", { body: { username: username, password: password }, auth: false }).then(function (out) {
      P.Auth.set(out.access_token, out.role);
      return P.api("/me").then(function (me) { P.Auth.setName(me.full_name); }, function () {}).then(function () {
        var next = params.get("next");
        // Only a path on this site (never an outside address) is followed after login.
        location.href = next && next.charAt(0) === "/" && next.charAt(1) !== "/" ? next : (HOME[out.role] || "/");
      });
    }).catch(function (err) {
      P.showError(P.$("[data-form-error]"), err);
      form.elements.password.focus();
    });
  });
})();
