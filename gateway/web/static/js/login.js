/* Login: POST /auth/token, keep the token (this tab, or with «Ghi nhớ đăng nhập» until it expires),
 * go where the role works (in the contest the page is about). */
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
  if (params.get("doi_mat_khau")) {
    var done = P.$("[data-notice]");
    done.textContent = "Đã đổi mật khẩu. Mọi phiên đăng nhập cũ đã kết thúc: vui lòng đăng nhập lại bằng mật khẩu mới.";
    done.hidden = false;
  }
  if (params.get("role")) {
    P.showError(P.$("[data-form-error]"), { detail: "Tài khoản đang đăng nhập không có quyền xem trang này. Vui lòng đăng nhập bằng tài khoản phù hợp." });
  }

  // `next` as the browser reads it: "/\example.org" or "/\t/example.org" start with one slash yet
  // lead to another site. Only an address of this origin is followed, and as the absolute URL the
  // browser parsed: its bare path could itself start with "//" ("/.//example.org").
  function sameOrigin(next) {
    if (!next) return null;
    var url;
    try { url = new URL(next, location.origin); } catch (e) { return null; }
    if (url.origin !== location.origin || (url.protocol !== "http:" && url.protocol !== "https:")) return null;
    return url.href;
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var username = form.elements.username.value.trim(), password = form.elements.password.value;
    P.fieldError(form, "username", username ? "" : "Vui lòng nhập số điện thoại, số CCCD hoặc tên đăng nhập.");
    P.fieldError(form, "password", password ? "" : "Vui lòng nhập mật khẩu.");
    if (!username || !password) return;
    P.showError(P.$("[data-form-error]"), null);
    P.api("/auth/token", { body: { username: username, password: password }, auth: false }).then(function (out) {
      // A one-time password's session is never remembered beyond this tab.
      P.Auth.set(out.access_token, out.role, form.elements.remember.checked && !out.must_change_password);
      if (out.must_change_password) {
        // A one-time password from the organizers: this session may only set a new password.
        sessionStorage.setItem("cchc.pwc", "1");
        sessionStorage.setItem("cchc.login", username);
        var next = sameOrigin(params.get("next"));
        location.href = "/doi-mat-khau?bat_buoc=1" + (next ? "&next=" + encodeURIComponent(next) : "");
        return;
      }
      sessionStorage.removeItem("cchc.pwc");
      return P.api("/me").then(function (me) { P.Auth.setName(me.full_name); }, function () {}).then(function () {
        location.href = sameOrigin(params.get("next")) || P.withContest(HOME[out.role] || "/");
      });
    }).catch(function (err) {
      P.showError(P.$("[data-form-error]"), err);
      form.elements.password.focus();
    });
  });
  // The registration form's "Quên mật khẩu?" link lands here opened (issue 16).
  if (location.hash === "#quen-mat-khau") P.$("#quen-mat-khau").open = true;
})();
