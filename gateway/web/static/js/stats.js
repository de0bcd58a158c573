/* Public participation statistics per unit, with a bar chart (inline SVG). */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  Promise.all([P.currentContest(), P.api("/units")]).then(function (res) {
    var contest = res[0], names = {};
    res[1].forEach(function (u) { names[u.code] = u.name; });
    // SPEC 6: the public figures of an open round wait for its close (unless live_board is full).
    var live = contest.rounds.some(function (r) { return r.status === "open"; });
    var staff = ["organizer", "expert", "monitor"].indexOf(P.Auth.role()) >= 0;
    P.$("[data-stats-note]").hidden = !(live && !staff && (contest.settings || {}).live_board !== "full");
    return P.api("/contests/" + encodeURIComponent(contest.code) + "/stats/units").then(function (rows) {
      rows = rows.slice().sort(function (a, b) { return (b.participation || 0) - (a.participation || 0) || b.participants - a.participants; });
      var tbody = P.$("[data-stats]");
      if (!rows.length) P.emptyRow(tbody, 5, "Chưa có số liệu.");
      else P.fill(tbody, rows.map(function (r) {
        // A flagged unit (no headcount, more participants than headcount) says why its rate is
        // not a real rate, in the row itself.
        var flags = r.flags || [];
        var unit = el("td", {}, names[r.unit_code] || r.unit_code);
        flags.forEach(function (f) { unit.appendChild(el("div", { class: "hint", "data-unit-flag": f.code }, "⚠ " + f.message)); });
        return el("tr", flags.length ? { class: "warn" } : {}, unit, el("td", { class: "num" }, P.fmt.int(r.headcount)),
          el("td", { class: "num" }, P.fmt.int(r.participants)), el("td", { class: "num" }, P.fmt.pct(r.participation)),
          el("td", { class: "num" }, P.fmt.pct(r.quality)));
      }));
      P.barChart(P.$("[data-chart]"), rows.filter(function (r) { return r.participants; }).slice(0, 15).map(function (r) {
        // Labelled by the unit's name (its code means nothing to a reader), on its own line.
        var name = names[r.unit_code] || r.unit_code;
        return { label: name, title: name + " (" + r.unit_code + ")", value: r.participation || 0, text: P.fmt.pct(r.participation) };
      }), { max: 1, labelsAbove: true, title: "Tỷ lệ tham gia theo đơn vị" });
    });
  }).catch(function (err) { P.showError(P.$("[data-error]"), err); });
})();
