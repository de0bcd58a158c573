/* Imports (units, questions, exclusion list) with the per-row error report the services return. */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  if (!P.requireRole(["organizer", "expert"])) return;
  P.contestSelects().catch(function () {});
  // Rosters set a unit's headcount (collective prizes): organizers only, as the API says.
  if (P.Auth.role() === "organizer") {
    P.$all("[data-organizer-only]").forEach(function (n) { n.hidden = false; });
    P.api("/units").then(function (units) {
      P.fill(P.$("[data-unit-select]"), units.map(function (u) {
        return el("option", { value: u.code }, u.name + " (" + u.code + ")" +
          (u.roster_size != null ? " – đã có danh sách " + u.roster_size + " người" : ""));
      }));
    }).catch(function () {});
  }

  function report(box, result) {
    var parts = [];
    var counts = [];
    if (result.created != null) counts.push("Đã thêm " + result.created);
    if (result.added != null) counts.push("Đã thêm " + result.added);
    if (result.updated != null) counts.push("cập nhật " + result.updated);
    if (result.excluded != null) counts.push("Danh sách hiện có " + result.excluded + " người không được dự thi");
    if (result.removed != null) counts.push("bỏ " + result.removed + "; số CBCCVC của đơn vị nay là " + result.headcount);
    if (result.registered_outside_roster) counts.push(result.registered_outside_roster + " thí sinh đã đăng ký cho đơn vị nhưng không có trong danh sách (cần kiểm tra)");
    var errors = result.errors || [];
    parts.push(el("p", { class: errors.length ? "notice warning" : "notice success" },
      counts.join(", ") + (errors.length ? ". Có " + errors.length + " dòng lỗi, không được nhập:" : ". Không có dòng lỗi.")));
    if (errors.length) {
      parts.push(el("div", { class: "table-scroll" }, el("table", { class: "data compact errors" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Dòng"), el("th", { scope: "col" }, "Lỗi"))),
        el("tbody", {}, frag(errors.map(function (e) {
          return el("tr", {}, el("td", {}, e.row), el("td", {}, e.message));
        }))))));
    }
    P.fill(box, parts);
  }
  function frag(nodes) { var f = document.createDocumentFragment(); nodes.forEach(function (n) { f.appendChild(n); }); return f; }

  // Every entry is sent, a bad one too: the API adds the good CCCDs and reports each bad entry by
  // its position, shown here as where the organizer typed it (nothing is dropped silently).
  function typedEntries(text) {
    var out = [];
    text.split(/\r?\n/).forEach(function (line, i) {
      line.split(/[\s,;]+/).forEach(function (s) {
        if (s) out.push({ value: s, where: "Ô nhập, dòng " + (i + 1) });
      });
    });
    return out;
  }
  function fileEntries(text) {
    var out = [];
    text.replace(/^\uFEFF/, "").split(/\r?\n/).forEach(function (line, i) {
      var first = line.split(/[,;\t]/)[0].replace(/^"|"$/g, "").trim();
      if (!first || (i === 0 && !/\d/.test(first))) return;  // blank line; a header such as "id_number"
      out.push({ value: first, where: "Tệp, dòng " + (i + 1) });
    });
    return out;
  }

  P.$all("[data-import]").forEach(function (form) {
    var box = P.$("[data-report]", form);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var kind = form.dataset.import, file = form.elements.file.files[0];
      var button = form.querySelector("button[type=submit]");
      var request;
      if (kind === "exclusions") {
        var typed = typedEntries(form.elements.ids.value);
        request = (file ? file.text() : Promise.resolve("")).then(function (text) {
          var entries = typed.concat(fileEntries(text));
          if (!entries.length) throw new P.ApiError(0, "empty", "Vui lòng nhập ít nhất một số CCCD hoặc chọn tệp.");
          return P.api("/admin/contests/" + encodeURIComponent(form.elements.contest.value) + "/exclusions",
                       { body: { id_numbers: entries.map(function (x) { return x.value; }) } })
            .then(function (result) {
              result.errors = (result.errors || []).map(function (e) {
                var entry = entries[e.row - 1];
                return { row: entry ? entry.where : e.row, message: e.message };
              });
              return result;
            });
        });
      } else {
        if (!file) { P.fill(box, [el("p", { class: "err" }, "Vui lòng chọn tệp CSV hoặc XLSX.")]); form.elements.file.focus(); return; }
        var data = new FormData();
        data.append("file", file);
        var path = kind === "units" ? "/admin/units/import"
          : kind === "roster" ? "/admin/units/" + encodeURIComponent(form.elements.unit.value) + "/roster"
          : "/admin/contests/" + encodeURIComponent(form.elements.contest.value) + "/questions/import";
        request = P.api(path, { form: data });
      }
      button.disabled = true;
      P.fill(box, [el("p", { class: "muted" }, "Đang nhập…")]);
      request.then(function (result) { report(box, result); })
        .catch(function (err) { P.fill(box, [el("p", { class: "notice error", role: "alert" }, err.detail || String(err))]); })
        .then(function () { button.disabled = false; });
    });
  });
})();
