/* Judges: the accepted clips to score (never their own unit's), a player, the rubric form, and what
 * they have scored. Scoring again replaces the judge's earlier score. Judging is blind (SPEC 5): the
 * page shows the judge's own points only; once the video award set is approved the clip's scores
 * are locked and the page says so (and why their own unit's clips are not on the list). */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  if (!P.requireRole(["judge"])) return;
  var form = P.$("[data-rubric]"), errorBox = P.$("[data-error]");
  var FIELDS = ["content", "message", "creativity", "technique"];
  var maxima = { content: 40, message: 20, creativity: 20, technique: 20 };
  var clips = [], current = null, names = {};

  // Every contest whose jury the judge sits on (a judging period may overlap a newer contest's quiz);
  // each clip carries its own contest's rubric.
  function listPath() { return "/judge/clips"; }

  function load() {
    return P.api(listPath()).then(function (list) {
      clips = list;
      var ul = P.$("[data-clip-list]");
      if (!list.length) P.fill(ul, [el("li", { class: "muted" }, "Chưa có video clip nào cần chấm.")]);
      else P.fill(ul, list.map(function (c) {
        return el("li", {}, el("button", { type: "button", class: "clip-item" + (current && current.clip_id === c.clip_id ? " active" : ""),
            "data-clip": c.clip_id, onclick: function () { open(c); } },
          el("strong", {}, c.title), el("span", { class: "muted" }, names[c.unit_code] || c.unit_code),
          el("span", { class: "chip " + (c.my_score ? "accepted" : "scheduled") }, c.my_score ? "Đã chấm: " + num(c.my_score.total) : "Chưa chấm"),
          c.scores_locked ? el("span", { class: "chip closed" }, "Đã khóa điểm") : null));
      }));
      var scored = list.filter(function (c) { return c.my_score; });
      var tbody = P.$("[data-scored]");
      if (!scored.length) P.emptyRow(tbody, 3, "Chưa chấm clip nào.");
      else P.fill(tbody, scored.map(function (c) {
        return el("tr", {}, el("td", {}, c.title), el("td", {}, names[c.unit_code] || c.unit_code), el("td", { class: "num" }, num(c.my_score.total)));
      }));
    }).catch(function (err) { P.showError(errorBox, err); });
  }

  function open(clip) {
    current = clip;
    P.$all(".clip-item").forEach(function (b) { b.classList.toggle("active", b.dataset.clip === clip.clip_id); });
    P.$("[data-clip-title]").textContent = clip.title;
    var player = P.$("[data-player]");
    player.src = clip.playback_url || "";
    if (clip.rubric && clip.rubric.criteria) clip.rubric.criteria.forEach(function (c) { maxima[c.key] = c.max; });
    FIELDS.forEach(function (k) {
      var input = form.elements[k];
      input.max = maxima[k];
      input.value = clip.my_score ? num(clip.my_score[k]) : "";
      var label = form.querySelector('label[for="' + input.id + '"]');
      label.textContent = label.textContent.replace(/\(tối đa [\d.,]+\)/, "(tối đa " + maxima[k] + ")");
      P.fieldError(form, k, "");
    });
    P.$("[data-saved]").hidden = true;
    P.showError(P.$("[data-form-error]", form), null);
    // Locked (the video award set is approved): the form stays visible but cannot be sent.
    var locked = !!clip.scores_locked;
    P.$("[data-locked-note]").hidden = !locked;
    P.$all("input, button", form).forEach(function (node) { node.disabled = locked; });
    total();
    P.$("[data-scoring]").hidden = false;
    form.elements.content.focus();
  }

  function num(v) { return v == null ? "—" : Number(v).toLocaleString("vi-VN"); }
  /* A text field, not type=number: in vi-VN Chromium "18,5" typed into a number field became 185.
   * The decimal comma and the point both work; anything else is no value. */
  function value(k) {
    var raw = form.elements[k].value.trim().replace(/\s/g, "");
    if (!/^\d+([.,]\d+)?$/.test(raw)) return null;
    return parseFloat(raw.replace(",", "."));
  }
  function total() {
    var t = FIELDS.reduce(function (s, k) { return s + (value(k) || 0); }, 0);
    P.$("[data-total]").textContent = t.toLocaleString("vi-VN");
  }
  form.addEventListener("input", total);

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var ok = true, body = {};
    FIELDS.forEach(function (k) {
      var v = value(k), msg = "";
      if (v === null || v < 0 || v > maxima[k]) { msg = "Nhập điểm từ 0 đến " + maxima[k] + "."; ok = false; }
      P.fieldError(form, k, msg);
      body[k] = v;
    });
    if (!ok) return;
    P.api("/clips/" + encodeURIComponent(current.clip_id) + "/scores", { body: body }).then(function () {
      var saved = P.$("[data-saved]");
      saved.textContent = "Đã lưu điểm " + FIELDS.reduce(function (s, k) { return s + body[k]; }, 0).toLocaleString("vi-VN") +
        "/100 cho “" + current.title + "”.";
      saved.hidden = false;
      load();
    }).catch(function (err) {
      P.showError(P.$("[data-form-error]", form), err);
      if (err && err.code === "scores_locked") { current.scores_locked = true; open(current); P.showError(P.$("[data-form-error]", form), err); load(); }
    });
  });

  // Why their own unit's clips are missing (SPEC 5: a judge never scores their own unit's clip).
  function ownUnitNote() {
    return P.api("/me").then(function (me) {
      if (!me || !me.unit_code) return;
      var note = P.$("[data-own-unit-note]");
      note.textContent = "Video clip của đơn vị ông/bà (" + (names[me.unit_code] || me.unit_code) +
        ") không có trong danh sách: giám khảo không chấm video clip của đơn vị mình.";
      note.hidden = false;
    }, function () {});
  }

  P.api("/units").then(function (units) { units.forEach(function (u) { names[u.code] = u.name; }); }, function () {})
    .then(function () { ownUnitNote(); return load(); });
})();
