/* Awards: compute a set (draft), review its winners, approve it, download the decision documents. */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  if (!P.requireRole(["organizer"])) return;
  var form = P.$("[data-compute]"), box = P.$("[data-award-sets]"), errorBox = P.$("[data-error]");
  var PRIZE = { nhat: "Giải Nhất", nhi: "Giải Nhì", ba: "Giải Ba", khuyen_khich: "Giải Khuyến khích" };
  var KIND = { weekly: "Giải tuần", video: "Giải video clip", collective: "Giải tập thể" };
  var STATUS = { draft: "Dự thảo, chờ phê duyệt", approved: "Đã phê duyệt" };
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
    var total = set.winners.reduce(function (s, w) { return s + (w.amount_vnd || 0); }, 0);
    var node = el("article", { class: "card award-set", "data-award-set": set.award_set_id },
      el("h2", {}, (KIND[set.kind] || set.kind) + (set.round ? " – tuần " + set.round : "")),
      el("p", {}, el("span", { class: "chip " + set.status }, STATUS[set.status] || set.status), " · Tổng tiền thưởng: ", el("strong", {}, P.fmt.vnd(total))),
      set.winners.length ? el("div", { class: "table-scroll" }, el("table", { class: "data compact" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Giải"), el("th", { scope: "col" }, "Người/đơn vị"),
          el("th", { scope: "col" }, "Đơn vị"), el("th", { scope: "col", class: "num" }, "Tiền thưởng"))),
        el("tbody", {}, frag(set.winners.map(function (w) {
          return el("tr", {}, el("td", {}, PRIZE[w.prize] || w.prize), el("td", {}, winnerName(w)),
            el("td", {}, w.unit_code || "—"), el("td", { class: "num" }, P.fmt.vnd(w.amount_vnd)));
        })))))
        : el("p", { class: "muted" }, "Không có người đạt giải."),
      el("p", { class: "actions" }, approve,
        el("button", { type: "button", class: "button", onclick: function () { download(set, "xlsx"); } }, "Tải quyết định (XLSX)"),
        el("button", { type: "button", class: "button", onclick: function () { download(set, "pdf"); } }, "Tải quyết định (PDF)")));
    return node;
  }
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
        var old = P.$('[data-award-set="' + set.award_set_id + '"]');
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
