/* Awards: compute a set (draft), review its winners, approve it, download the decision documents;
 * revoke an approved set with a reason (it stays listed, marked revoked; a new compute makes a new draft). */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  if (!P.requireRole(["organizer"])) return;
  var form = P.$("[data-compute]"), box = P.$("[data-award-sets]"), errorBox = P.$("[data-error]");
  var PRIZE = { nhat: "Giải Nhất", nhi: "Giải Nhì", ba: "Giải Ba", khuyen_khich: "Giải Khuyến khích" };
  var KIND = { weekly: "Giải tuần", video: "Giải video clip", collective: "Giải tập thể" };
  var STATUS = { draft: "Dự thảo, chờ phê duyệt", approved: "Đã phê duyệt", revoked: "Đã thu hồi" };
  var names = {};

  function roundsOf(code) {
    return P.api("/contests/" + encodeURIComponent(code)).then(function (c) {
      var sel = form.elements.round;
      P.fill(sel, c.rounds.map(function (r) { return el("option", { value: r.n }, "Tuần " + r.n + " – " + (P.ROUND_STATUS[r.status] || r.status)); }));
    });
  }
  form.elements.kind.addEventListener("change", function () {
    P.$("[data-round-field]").hidden = form.elements.kind.value !== "weekly";
  });

  function download(set, fmt) {
    P.api("/admin/award-sets/" + encodeURIComponent(set.award_set_id) + "/decision." + fmt, { raw: true })
      .then(function (resp) { return resp.blob(); })
      .then(function (blob) {
        var a = el("a", { href: URL.createObjectURL(blob), download: "quyet-dinh-" + set.kind + (set.round ? "-tuan-" + set.round : "") + "." + fmt });
        document.body.appendChild(a); a.click(); a.remove();
      }).catch(function (err) { P.showError(errorBox, err); });
  }

  function card(set) {
    var approve = set.status === "draft" ? el("button", { type: "button", class: "button primary", onclick: function (e) {
      if (!confirm("Phê duyệt kết quả này? Sau khi phê duyệt, kết quả được công bố.")) return;
      e.target.disabled = true;
      P.api("/admin/award-sets/" + encodeURIComponent(set.award_set_id) + "/approve", { method: "POST" })
        .then(function (s) { node.replaceWith(card(s)); }, function (err) { P.showError(errorBox, err); e.target.disabled = false; });
    } }, "Phê duyệt") : null;
    var revoke = set.status === "approved" ? el("button", { type: "button", class: "button danger", "aria-expanded": "false",
      onclick: function (e) { var open = revokeForm.hidden; revokeForm.hidden = !open; e.target.setAttribute("aria-expanded", String(open)); if (open) revokeForm.elements.reason.focus(); } },
      "Thu hồi") : null;
    var revokeForm = set.status === "approved" ? revokeFormOf(set, function (s) { node.replaceWith(card(s)); },
      function () { revoke.setAttribute("aria-expanded", "false"); }) : null;
    var total = set.winners.reduce(function (s, w) { return s + (w.amount_vnd || 0); }, 0);
    var node = el("article", { class: "card award-set" + (set.status === "revoked" ? " revoked" : ""), "data-award-set": set.award_set_id,
      "data-result": resultKey(set), "data-status": set.status },
      el("h2", {}, (KIND[set.kind] || set.kind) + (set.round ? " – tuần " + set.round : "")),
      el("p", {}, el("span", { class: "chip " + set.status }, STATUS[set.status] || set.status), " · Tổng tiền thưởng: ", el("strong", {}, P.fmt.vnd(total))),
      set.status === "revoked" ? el("p", { class: "revoke-note", "data-revoked": "" },
        "Thu hồi lúc " + P.fmt.dateTime(set.revoked_at) + ". Lý do: " + (set.revoke_reason || "—") +
        ". Kết quả này không còn được công bố; tính lại để có bản dự thảo mới.") : null,
      set.winners.length ? el("div", { class: "table-scroll" }, el("table", { class: "data compact" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Giải"), el("th", { scope: "col" }, "Người/đơn vị"),
          el("th", { scope: "col" }, "Đơn vị"), el("th", { scope: "col", class: "num" }, "Tiền thưởng"))),
        el("tbody", {}, frag(set.winners.map(function (w) {
          return el("tr", {}, el("td", {}, PRIZE[w.prize] || w.prize), el("td", {}, winnerName(w)),
            el("td", {}, unitName(w)), el("td", { class: "num" }, P.fmt.vnd(w.amount_vnd)));
        })))))
        : el("p", { class: "muted" }, "Không có người đạt giải."),
      el("p", { class: "actions" }, approve,
        el("button", { type: "button", class: "button", onclick: function () { download(set, "xlsx"); } }, "Tải quyết định (XLSX)"),
        el("button", { type: "button", class: "button", onclick: function () { download(set, "pdf"); } }, "Tải quyết định (PDF)"),
        revoke),
      revokeForm);
    return node;
  }
  /** The reason asked before revoking (required: the audit log and the decision documents keep it). */
  function revokeFormOf(set, done, closed) {
    var id = "revoke-" + set.award_set_id;
    var failed = el("div", { class: "form-error", role: "alert", hidden: "" });  // beside the button, not at the page's top
    var f = el("form", { class: "form revoke-form", hidden: "", novalidate: "" }, failed,
      el("div", { class: "field" },
        el("label", { for: id }, "Lý do thu hồi (bắt buộc)"),
        el("textarea", { id: id, name: "reason", rows: "3", maxlength: "1000", required: "", "aria-describedby": id + "-err" }),
        el("p", { class: "err", id: id + "-err", "aria-live": "polite" })),
      el("p", { class: "hint" }, "Kết quả bị thu hồi không còn được công bố nhưng vẫn được lưu lại; tính lại để có bản dự thảo mới."),
      el("p", { class: "actions" },
        el("button", { type: "submit", class: "button danger" }, "Xác nhận thu hồi"),
        el("button", { type: "button", class: "button", onclick: function () { f.hidden = true; P.showError(failed, null); closed(); } }, "Hủy")));
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var reason = f.elements.reason.value.trim(), msg = P.$("#" + id + "-err", f);
      msg.textContent = reason ? "" : "Vui lòng nhập lý do thu hồi.";
      f.elements.reason.setAttribute("aria-invalid", String(!reason));
      if (!reason) { f.elements.reason.focus(); return; }
      var button = P.$("button[type=submit]", f);
      button.disabled = true;
      P.showError(failed, null);
      P.api("/admin/award-sets/" + encodeURIComponent(set.award_set_id) + "/revoke", { body: { reason: reason } })
        .then(done, function (err) { P.showError(failed, err); button.disabled = false; });
    });
    return f;
  }
  function resultKey(set) { return set.kind + (set.round ? "-" + set.round : ""); }
  function unitName(w) { return names[w.unit_code] || (w.details || {}).unit_name || w.unit_code || "—"; }
  function winnerName(w) {
    var d = w.details || {};
    return w.full_name || (d.title ? "“" + d.title + "”" : "") || d.unit_name || names[w.unit_code] || w.unit_code || "—";
  }
  function frag(nodes) { var f = document.createDocumentFragment(); nodes.forEach(function (n) { f.appendChild(n); }); return f; }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    P.showError(errorBox, null);
    var body = { kind: form.elements.kind.value };
    if (body.kind === "weekly") body.round = parseInt(form.elements.round.value, 10);
    P.api("/admin/contests/" + encodeURIComponent(form.elements.contest.value) + "/awards/compute", { body: body })
      .then(function (set) {
        // A recompute replaces the draft of the same result (a new id); revoked sets stay listed.
        var old = P.$('[data-award-set="' + set.award_set_id + '"]') ||
          P.$('[data-result="' + resultKey(set) + '"][data-status="draft"]', box);
        var empty = P.$("p.muted", box);
        if (empty) empty.remove();
        if (old) old.replaceWith(card(set)); else box.insertBefore(card(set), box.firstChild);
      }).catch(function (err) { P.showError(errorBox, err); });
  });

  /** Every set of the contest, drafts and approved, newest first. */
  function sets(code) {
    P.api("/admin/contests/" + encodeURIComponent(code) + "/award-sets").then(function (list) {
      list = list.slice().sort(function (a, b) { return (b.computed_at || "").localeCompare(a.computed_at || ""); });
      P.fill(box, list.length ? list.map(card) : [el("p", { class: "muted" }, "Chưa tính kết quả giải thưởng nào cho hội thi này.")]);
    }).catch(function (err) { P.showError(errorBox, err); });
  }

  P.api("/units").then(function (units) { units.forEach(function (u) { names[u.code] = u.name; }); }, function () {})
    .then(function () { return P.contestSelects(function (code) { roundsOf(code); sets(code); }); })
    .then(function () {
      var code = form.elements.contest.value;
      if (code) { roundsOf(code); sets(code); }
    }).catch(function (err) { P.showError(errorBox, err); });
})();
