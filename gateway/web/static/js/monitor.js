/* Monitors: services and instances, queue depths (GET /admin/system), request and error rates and
 * latency of the gateway, all its workers summed (GET /admin/metrics/summary; rates from two
 * successive samples, a counter reset counted as Prometheus does, never below zero). */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  if (!P.requireRole(["monitor", "organizer"])) return;
  var INTERVAL_S = 5;
  var NAMES = { quiz: "Thi trắc nghiệm (quiz)", scoring: "Chấm điểm (scoring)", media: "Video clip (media)", awards: "Giải thưởng (awards)" };
  var last = null, rates = [];
  P.$("[data-interval]").textContent = INTERVAL_S;

  function system() {
    return P.api("/admin/system").then(function (s) {
      P.fill(P.$("[data-services]"), Object.keys(s.services).map(function (name) {
        var v = s.services[name];
        return el("div", { class: "service " + (v.healthy ? "ok" : "down"), "data-service": name },
          el("strong", {}, NAMES[name] || name),
          el("span", { class: "state" }, v.healthy ? "Hoạt động bình thường" : "Không phản hồi"),
          el("span", {}, v.instances + " tiến trình"));
      }));
      var dead = s.dead_letters || {};
      P.fill(P.$("[data-dead-letters]"), Object.keys(dead).map(function (name) {
        var n = dead[name];
        return el("tr", { class: n ? "warn" : null, "data-dead-letter": name },
          el("td", {}, NAMES[name] || name),
          el("td", { class: "num" }, n == null ? "—" : P.fmt.int(n)),
          el("td", {}, n ? el("button", { type: "button", class: "button", "data-replay": name, onclick: function () { replay(name, n); } }, "Xử lý lại") : "—"));
      }));
      // A service's delay queues (<service>.retry.<ms>, one per backoff step) are listed only
      // while events wait in them: empty, they are noise.
      var names = Object.keys(s.queues).filter(function (q) {
        return !/\.retry\.\d+$/.test(q) || s.queues[q].messages > 0;
      }).sort();
      P.fill(P.$("[data-queues]"), names.map(function (q) {
        var v = s.queues[q];
        return el("tr", { class: v.messages > 100 ? "warn" : null }, el("td", {}, el("code", {}, q)),
          el("td", { class: "num" }, P.fmt.int(v.messages)), el("td", { class: "num" }, P.fmt.int(v.consumers)));
      }));
    });
  }

  /* Sends the service's dead letters back to their queues (the service does it and keeps an audit
   * trace); the counts refresh with the next poll. */
  function replay(name, n) {
    if (!window.confirm("Xử lý lại " + n + " sự kiện lỗi của " + (NAMES[name] || name) + "?")) return;
    P.showError(P.$("[data-replay-error]"), null);
    P.api("/admin/system/dead-letters/" + encodeURIComponent(name) + "/replay", { method: "POST" })
      .then(function (r) {
        P.$("[data-replay-status]").textContent = "Đã chuyển " + P.fmt.int(r.replayed) + " sự kiện của " +
          (NAMES[name] || name) + " về hàng đợi xử lý; còn lại " + P.fmt.int(r.remaining) + ".";
        return system();
      })
      .catch(function (err) { P.showError(P.$("[data-replay-error]"), err); });
  }

  /* Per second between two readings of a counter. The counters are the sums over the gateway's
   * workers (they only grow), but a restarted gateway starts again from zero: then, as Prometheus'
   * rate() does, the whole new value is what was counted since. Never negative. */
  function perSecond(before, after, seconds) {
    if (!(seconds > 0)) return 0;
    var delta = after >= before ? after - before : after;
    return Math.max(0, delta) / seconds;
  }

  function traffic() {
    return P.api("/admin/metrics/summary").then(function (m) {
      var now = Date.parse(m.generated_at);
      if (last) {
        var dt = (now - last.at) / 1000;
        var rps = perSecond(last.requests, m.requests, dt), eps = perSecond(last.errors, m.errors, dt);
        P.$('[data-kpi="rps"]').textContent = rps.toLocaleString("vi-VN", { maximumFractionDigits: 2 });
        P.$('[data-kpi="eps"]').textContent = eps.toLocaleString("vi-VN", { maximumFractionDigits: 2 });
        rates.push(rps);
        if (rates.length > 60) rates.shift();
        P.sparkline(P.$("[data-chart-rate]"), rates, { title: "Yêu cầu mỗi giây", caption: "Yêu cầu/giây, " + rates.length + " lần đo gần nhất (mỗi " + INTERVAL_S + " giây)" });
      }
      last = { at: now, requests: m.requests, errors: m.errors };
      var ms = function (v) { return v == null ? "—" : "≤ " + v.toLocaleString("vi-VN") + " ms"; };
      P.$('[data-kpi="p50"]').textContent = ms(m.latency_ms.p50);
      P.$('[data-kpi="p95"]').textContent = m.latency_ms.over_last_bucket ? "> 10 giây" : ms(m.latency_ms.p95);
      P.fill(P.$("[data-routes]"), m.routes.map(function (r) {
        return el("tr", {}, el("td", {}, r.route === "unmatched" ? "Khác (tệp tĩnh, đường dẫn không tồn tại)" : el("code", {}, r.method + " " + r.route)), el("td", { class: "num" }, P.fmt.int(r.requests)),
          el("td", { class: "num" }, P.fmt.int(r.errors)), el("td", { class: "num" }, P.fmt.int(r.client_errors)),
          el("td", { class: "num" }, r.mean_ms == null ? "—" : r.mean_ms.toLocaleString("vi-VN") + " ms"));
      }));
    });
  }

  function refresh() {
    Promise.all([system(), traffic()]).then(function () {
      P.showError(P.$("[data-error]"), null);
      P.$("[data-updated]").textContent = P.fmt.time(new Date());
    }).catch(function (err) { P.showError(P.$("[data-error]"), err); })
      .then(function () { setTimeout(refresh, INTERVAL_S * 1000); });
  }
  refresh();
})();
