/* The audit log (SPEC 6): filters, the entries newest first, export as XLSX, the hash-chain check.
 * Organizers and monitors. */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  if (!P.requireRole(["organizer", "monitor"])) return;
  var form = P.$("[data-filters]"), errorBox = P.$("[data-error]"), tbody = P.$("[data-entries]");
  var ROLES = { organizer: "Ban Tổ chức", expert: "Tổ chuyên viên", judge: "Giám khảo", monitor: "Giám sát", contestant: "Thí sinh" };

  function query(withAll) {
    var f = form.elements, params = [];
    ["contest", "actor", "action"].forEach(function (k) {
      var v = (f[k].value || "").trim();
      if (v && (withAll || k === "contest")) params.push(k + "=" + encodeURIComponent(v));
    });
    if (withAll && f.since.value) params.push("since=" + encodeURIComponent(f.since.value + "T00:00:00+07:00"));
    if (withAll) params.push("limit=200");
    return params.length ? "?" + params.join("&") : "";
  }

  function short(v) {
    if (v == null) return "—";
    var s = JSON.stringify(v);
    return s.length > 160 ? s.slice(0, 157) + "…" : s;
  }

  function load() {
    P.showError(errorBox, null);
    P.api("/admin/audit" + query(true)).then(function (rows) {
      if (!rows.length) return P.emptyRow(tbody, 6, "Không có thay đổi nào khớp bộ lọc.");
      P.fill(tbody, rows.map(function (e) {
        return el("tr", {},
          el("td", {}, P.fmt.dateTime(e.at)),
          el("td", {}, e.actor, el("br"), el("span", { class: "muted" }, ROLES[e.role] || e.role || "")),
          el("td", {}, el("code", {}, e.action)),
          el("td", {}, e.target),
          el("td", {}, el("span", { class: "muted" }, short(e.before)), " → ", short(e.after)),
          el("td", {}, e.reason || "—"));
      }));
    }).catch(function (err) { P.showError(errorBox, err); });
  }

  form.addEventListener("submit", function (ev) { ev.preventDefault(); load(); });
  P.$("[data-export]").addEventListener("click", function () {
    P.api("/admin/audit.xlsx" + query(false), { raw: true })
      .then(function (resp) { return resp.blob(); })
      .then(function (blob) {
        var code = form.elements.contest.value;
        var a = el("a", { href: URL.createObjectURL(blob), download: "nhat-ky" + (code ? "-" + code : "") + ".xlsx" });
        document.body.appendChild(a); a.click(); a.remove();
      }).catch(function (err) { P.showError(errorBox, err); });
  });
  P.$("[data-verify]").addEventListener("click", function (ev) {
    var out = P.$("[data-verify-result]");
    ev.target.disabled = true;
    out.textContent = "Đang kiểm tra…";
    P.api("/admin/audit/verify").then(function (r) {
      out.textContent = r.ok
        ? "Toàn vẹn: " + P.fmt.int(r.entries) + " dòng nhật ký, không dòng nào bị sửa hay xóa."
        : "CẢNH BÁO: nhật ký của dịch vụ " + r.first_bad_service + " bị sửa hoặc xóa từ dòng số " + r.first_bad_seq + ".";
      out.className = r.ok ? "ok" : "form-error";
    }).catch(function (err) { out.textContent = ""; P.showError(errorBox, err); })
      .then(function () { ev.target.disabled = false; });
  });
  P.contestSelects().then(function () {
    form.elements.contest.insertBefore(el("option", { value: "" }, "Tất cả"), form.elements.contest.firstChild);
    form.elements.contest.value = "";
    load();
  }).catch(function (err) { P.showError(errorBox, err); load(); });
})();
