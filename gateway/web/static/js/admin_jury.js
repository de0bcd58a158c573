/* The contest's jury (Ban Giám khảo), on the organizers' clip page: tick the judges and save. Once
 * judging has begun a change needs an explicit confirmation (SPEC 5: 409 confirm_required): the
 * page explains what the change does to the final scores and sends it again with confirm: true
 * and the reason, which the audit log keeps. */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  var form = P.$("[data-jury]");
  if (!form || P.Auth.role() !== "organizer") return;
  form.hidden = false;
  var select = form.elements.contest, box = P.$("[data-jury-candidates]"), errorBox = P.$("[data-jury-error]");
  var confirmBox = P.$("[data-jury-confirm]"), saved = P.$("[data-jury-saved]");

  function url() { return "/admin/contests/" + encodeURIComponent(select.value) + "/jury"; }

  function show(jury) {
    var on = {};
    jury.judges.forEach(function (j) { on[j.id] = true; });
    P.$("[data-jury-status]").textContent = (jury.default
      ? "Chưa chỉ định Ban Giám khảo: mọi tài khoản giám khảo đều chấm (mặc định)."
      : "Ban Giám khảo gồm " + jury.judges.length + " giám khảo.") +
      (jury.judging_started ? " Việc chấm đã bắt đầu: thay đổi Ban Giám khảo cần xác nhận." : "");
    if (!jury.candidates.length) return P.fill(box, [el("p", { class: "muted" }, "Chưa có tài khoản giám khảo nào.")]);
    P.fill(box, jury.candidates.map(function (j) {
      var id = "j_" + j.id;
      return el("div", { class: "check" },
        el("input", { type: "checkbox", id: id, name: "usernames", value: j.username, checked: !!on[j.id] }),
        el("label", { for: id }, j.full_name + " (" + j.username + (j.unit_code ? ", " + j.unit_code : "") + ")"));
    }));
  }

  var asked = 0;
  function load() {
    confirmBox.hidden = true; saved.hidden = true; P.showError(errorBox, null);
    if (!select.value) return;
    var mine = ++asked;  // only the answer for the contest chosen last is shown
    P.api(url()).then(function (jury) { if (mine === asked) show(jury); })
      .catch(function (err) { if (mine === asked) P.showError(errorBox, err); });
  }

  function send(confirm) {
    var usernames = P.$all("input[name=usernames]:checked", form).map(function (i) { return i.value; });
    var body = { usernames: usernames };
    if (confirm) { body.confirm = true; if (form.elements.reason.value.trim()) body.reason = form.elements.reason.value.trim(); }
    P.showError(errorBox, null); saved.hidden = true;
    P.api(url(), { body: body }).then(function (jury) {
      confirmBox.hidden = true;
      show(jury);
      saved.textContent = "Đã lưu Ban Giám khảo (" + jury.judges.length + " giám khảo).";
      saved.hidden = false;
    }).catch(function (err) {
      if (err && err.code === "confirm_required") {
        P.$("[data-jury-confirm-text]").textContent = err.detail;
        confirmBox.hidden = false;
        return;
      }
      P.showError(errorBox, err);
    });
  }

  form.addEventListener("submit", function (e) { e.preventDefault(); send(false); });
  P.$("[data-jury-confirm-button]").addEventListener("click", function () { send(true); });
  select.addEventListener("change", load);
  // The list and the current contest together: the choice is set once, before anyone can change it.
  Promise.all([P.api("/admin/contests"), P.currentContest().catch(function () { return null; })]).then(function (res) {
    P.fill(select, res[0].map(function (c) { return el("option", { value: c.code }, c.title + " (" + c.code + ")"); }));
    if (res[1]) select.value = res[1].code;
    load();
  }).catch(function (err) { P.showError(errorBox, err); });
})();
