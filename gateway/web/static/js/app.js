/* Shared helpers of every portal page: API calls with the bearer token (see Auth), the contest the
 * pages are about (kept in every link), the server
 * clock, Vietnamese formatting, small DOM and chart helpers, the navigation by role.
 * Plain JavaScript, no build step. Pages' own scripts use `window.Portal`. */
(function () {
  "use strict";
  var API = "/api/v1";
  var TZ = "Asia/Ho_Chi_Minh";

  // ---- session --------------------------------------------------------------------------------
  /* The token lives in localStorage when the person ticks "Ghi nhớ đăng nhập" (kept across tabs
   * and restarts until it expires), else in sessionStorage (this tab only). Logout clears both. */
  var AUTH_KEYS = ["cchc.token", "cchc.role", "cchc.name", "cchc.expires"];
  function tokenExpiry(token) {  // the JWT's `exp` in ms, or null
    try {
      var part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      var exp = JSON.parse(atob(part + "===".slice((part.length + 3) % 4))).exp;
      return typeof exp === "number" ? exp * 1000 : null;
    } catch (e) { return null; }
  }
  function authStore() {
    if (sessionStorage.getItem("cchc.token")) return sessionStorage;
    try {
      if (localStorage.getItem("cchc.token")) {
        var expires = Number(localStorage.getItem("cchc.expires"));
        if (expires && expires > Date.now()) return localStorage;
        AUTH_KEYS.forEach(function (k) { localStorage.removeItem(k); });  // expired: forgotten
      }
    } catch (e) { /* storage refused (private mode): nothing remembered */ }
    return sessionStorage;
  }
  var Auth = {
    token: function () { return authStore().getItem("cchc.token"); },
    role: function () { return authStore().getItem("cchc.role"); },
    name: function () { return authStore().getItem("cchc.name") || ""; },
    /** remember: keep the login beyond this tab (localStorage) until the token expires. */
    set: function (token, role, remember) {
      // This tab's login goes first (authStore); a login not remembered leaves another tab's
      // remembered one alone, a remembered one replaces it.
      AUTH_KEYS.forEach(function (k) { sessionStorage.removeItem(k); });
      var store = sessionStorage;
      if (remember) {
        try { AUTH_KEYS.forEach(function (k) { localStorage.removeItem(k); }); store = localStorage; }
        catch (e) { store = sessionStorage; }
      }
      store.setItem("cchc.token", token);
      store.setItem("cchc.role", role);
      store.setItem("cchc.expires", String(tokenExpiry(token) || Date.now() + 8 * 3600 * 1000));
    },
    setName: function (name) { authStore().setItem("cchc.name", name || ""); },
    clear: function () {
      AUTH_KEYS.forEach(function (k) {
        sessionStorage.removeItem(k);
        try { localStorage.removeItem(k); } catch (e) { /* nothing stored there */ }
      });
    },
  };

  // ---- API ------------------------------------------------------------------------------------
  function ApiError(status, code, detail, body) {
    this.status = status; this.code = code; this.detail = detail; this.body = body || {};
  }
  ApiError.prototype.toString = function () { return this.detail; };

  /** fetch /api/v1 + path; resolves to the JSON body, rejects with ApiError (Vietnamese detail). */
  function api(path, opts) {
    opts = opts || {};
    var headers = {};
    var body;
    if (opts.form) { body = opts.form; }
    else if (opts.body !== undefined) { headers["Content-Type"] = "application/json"; body = JSON.stringify(opts.body); }
    var token = Auth.token();
    if (token && opts.auth !== false) headers["Authorization"] = "Bearer " + token;
    return fetch(API + path, { method: opts.method || (body ? "POST" : "GET"), headers: headers, body: body })
      .catch(function () {
        throw new ApiError(0, "network", "Không kết nối được máy chủ. Vui lòng kiểm tra mạng và thử lại.");
      })
      .then(function (resp) {
        if (opts.raw && resp.ok) return resp;
        return resp.text().then(function (text) {
          var data = null;
          try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
          if (resp.ok) return data;
          if (resp.status === 401 && opts.auth !== false && token) {
            // Expired or invalid: log in again and come back (a quiz's answers are saved on the server).
            Auth.clear();
            location.href = "/dang-nhap?het_han=1&next=" + encodeURIComponent(location.pathname + location.search);
          }
          if (resp.status === 403 && data && data.code === "password_change_required" && location.pathname !== "/doi-mat-khau") {
            // Logged in with a one-time password: a new password first (password.js explains why).
            location.href = "/doi-mat-khau?bat_buoc=1&next=" + encodeURIComponent(location.pathname + location.search);
          }
          var detail = (data && data.detail) || ("Lỗi " + resp.status + ". Vui lòng thử lại.");
          throw new ApiError(resp.status, (data && data.code) || "http_" + resp.status, detail, data);
        });
      });
  }

  // ---- server clock ---------------------------------------------------------------------------
  /* offset = server time − device time, measured against GET /time (midpoint of the round trip);
   * the `Date` header is the fallback (one-second resolution). Countdowns use Clock.now(). */
  var Clock = {
    offsetMs: 0,
    synced: false,
    now: function () { return Date.now() + Clock.offsetMs; },
    sync: function () {
      var t0 = Date.now();
      return fetch(API + "/time", { cache: "no-store" }).then(function (resp) {
        var t1 = Date.now();
        return resp.json().then(function (data) {
          var server = Date.parse(data.now);
          if (isNaN(server)) server = Date.parse(resp.headers.get("Date"));
          if (!isNaN(server)) { Clock.offsetMs = server - (t0 + t1) / 2; Clock.synced = true; }
          return Clock.offsetMs;
        });
      }).catch(function () { return Clock.offsetMs; });
    },
  };

  // ---- formatting -----------------------------------------------------------------------------
  var dateTimeFmt = new Intl.DateTimeFormat("vi-VN", {
    timeZone: TZ, hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric",
  });
  var timeFmt = new Intl.DateTimeFormat("vi-VN", { timeZone: TZ, hour: "2-digit", minute: "2-digit", second: "2-digit" });
  var fmt = {
    dateTime: function (iso) { return iso ? dateTimeFmt.format(new Date(iso)) : "—"; },
    time: function (date) { return timeFmt.format(date); },
    vnd: function (n) { return n == null ? "—" : Number(n).toLocaleString("vi-VN") + " đ"; },
    int: function (n) { return n == null ? "—" : Number(n).toLocaleString("vi-VN"); },
    pct: function (x) { return x == null ? "—" : (x * 100).toLocaleString("vi-VN", { maximumFractionDigits: 1 }) + "%"; },
    duration: function (ms) {
      if (ms == null) return "—";
      // Tenths of a second: duration is the third ranking key, so near-equal times must differ.
      var tenths = Math.round(ms / 100), m = Math.floor(tenths / 600);
      var sec = ((tenths % 600) / 10).toLocaleString("vi-VN", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
      return (m ? m + " phút " : "") + sec + " giây";
    },
    clock: function (ms) {  // 05:07 or 1:02:03
      var s = Math.max(0, Math.ceil(ms / 1000));
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      var two = function (x) { return (x < 10 ? "0" : "") + x; };
      return (h ? h + ":" + two(m) : two(m)) + ":" + two(sec);
    },
    span: function (ms) {  // "3 ngày 4 giờ 5 phút" for countdowns to a round
      var s = Math.max(0, Math.floor(ms / 1000));
      var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
      var parts = [];
      if (d) parts.push(d + " ngày");
      if (d || h) parts.push(h + " giờ");
      parts.push(m + " phút");
      if (!d) parts.push((s % 60) + " giây");
      return parts.join(" ");
    },
  };
  var ROUND_STATUS = { scheduled: "Sắp diễn ra", open: "Đang diễn ra", closed: "Đã kết thúc, đang xếp hạng", finalized: "Đã có kết quả" };
  var ATTEMPT_STATUS = { in_progress: "Đang làm bài", submitted: "Đã nộp, đang chấm", graded: "Đã chấm" };
  var ROLE_NAMES = { contestant: "Thí sinh", organizer: "Ban Tổ chức", expert: "Tổ Chuyên viên", judge: "Giám khảo", monitor: "Giám sát" };

  // ---- DOM ------------------------------------------------------------------------------------
  /** el("td", {class: "num"}, "text", childNode): text is always text (never parsed as HTML). */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      node.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    }
    return node;
  }
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function fill(node, children) {
    node.textContent = "";
    children.forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      node.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    });
  }
  function emptyRow(tbody, cols, text) { fill(tbody, [el("tr", {}, el("td", { colspan: cols, class: "muted" }, text))]); }
  function showError(node, err) {
    if (!node) return;
    if (!err) { node.hidden = true; node.textContent = ""; return; }
    node.textContent = err.detail || String(err);
    node.hidden = false;
  }
  function fieldError(form, name, message) {
    var input = form.elements[name];
    var out = document.getElementById(((input && input.id) || name) + "-err");
    if (out) out.textContent = message || "";
    if (input && input.setAttribute) {
      if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    }
  }

  // ---- charts (inline SVG) --------------------------------------------------------------------
  var SVGNS = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    var n = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (text !== undefined) n.textContent = text;
    return n;
  }
  /* Charts are drawn at their container's real width (text stays 12-13 px on a phone) and drawn
   * again when the window is resized. */
  function widthOf(container) { return Math.max(280, Math.min(container.clientWidth || 600, 760)); }
  var drawn = [];
  function remember(container, fn, args) {
    if (drawn.every(function (d) { return d.container !== container; })) drawn.push({ container: container });
    drawn.forEach(function (d) { if (d.container === container) { d.fn = fn; d.args = args; } });
  }
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      drawn.forEach(function (d) { d.fn.apply(null, d.args); });
    }, 100);
  });
  /** A label cut to about `px` pixels of 12 px text, with an ellipsis (the full one is the tooltip). */
  function fitLabel(text, px) {
    var chars = Math.max(4, Math.floor(px / 6.6));
    return text.length > chars ? text.slice(0, chars - 1) + "…" : text;
  }
  /** Horizontal bars: items [{label, value, text}], value 0..max. Fits any width (viewBox).
   * opts.labelsAbove: each label on its own line above its bar (long labels such as unit names). */
  function barChart(container, items, opts) {
    opts = opts || {};
    var max = opts.max || Math.max.apply(null, items.map(function (d) { return d.value || 0; }).concat([1]));
    remember(container, barChart, arguments);
    var above = !!opts.labelsAbove, row = above ? 42 : 26, width = widthOf(container);
    var labelW = above ? 0 : Math.min(opts.labelWidth || 150, width * 0.3), barW = width - labelW - 90;
    var root = svg("svg", { viewBox: "0 0 " + width + " " + Math.max(row * items.length, row), role: "img",
                            "aria-label": opts.title || "Biểu đồ", class: "bars" });
    items.forEach(function (d, i) {
      var y = i * row, barY = above ? y + 18 : y;
      var label = above
        ? svg("text", { x: 0, y: y + 13, class: "lbl" }, fitLabel(d.label, width - 4))
        : svg("text", { x: labelW - 8, y: y + 17, "text-anchor": "end", class: "lbl" }, fitLabel(d.label, labelW - 8));
      label.appendChild(svg("title", {}, d.title || d.label));
      root.appendChild(label);
      root.appendChild(svg("rect", { x: labelW, y: barY + 4, height: above ? 16 : row - 8, rx: 3, class: "bar",
                                     width: Math.max(1, barW * (d.value || 0) / max) }));
      root.appendChild(svg("text", { x: labelW + barW * (d.value || 0) / max + 6, y: barY + 17, class: "val" }, d.text));
    });
    fill(container, [root]);
    if (!items.length) fill(container, [el("p", { class: "muted" }, "Chưa có dữ liệu.")]);
  }
  /** Vertical columns: items [{label, value}] (a histogram). */
  function columnChart(container, items, opts) {
    opts = opts || {};
    remember(container, columnChart, arguments);
    var max = Math.max.apply(null, items.map(function (d) { return d.value; }).concat([1]));
    var width = widthOf(container), height = 220, pad = 8, colW = (width - pad) / Math.max(items.length, 1);
    var root = svg("svg", { viewBox: "0 0 " + width + " " + (height + 40), role: "img", "aria-label": opts.title || "Biểu đồ", class: "cols" });
    items.forEach(function (d, i) {
      var h = height * d.value / max, x = pad + i * colW;
      root.appendChild(svg("rect", { x: x + 2, y: height - h + 16, width: Math.max(colW - 4, 1), height: h, rx: 2, class: "bar" }));
      if (d.value) root.appendChild(svg("text", { x: x + colW / 2, y: height - h + 12, "text-anchor": "middle", class: "val" }, d.value));
      root.appendChild(svg("text", { x: x + colW / 2, y: height + 32, "text-anchor": "middle", class: "lbl" }, d.label));
    });
    fill(container, [root]);
  }
  /** A line of recent values (monitor), newest last, with its scale and a dot per sample. */
  function sparkline(container, values, opts) {
    opts = opts || {};
    remember(container, sparkline, arguments);
    var width = widthOf(container), height = 120, left = 44, top = 8;
    var max = Math.max.apply(null, values.concat([opts.minMax || 1]));
    var step = (width - left - 8) / Math.max(values.length - 1, 1);
    var x = function (i) { return left + i * step; };
    var y = function (v) { return top + height - height * v / max; };
    var root = svg("svg", { viewBox: "0 0 " + width + " " + (height + top + 22), role: "img", "aria-label": opts.title || "Biểu đồ", class: "spark" });
    [0, max / 2, max].forEach(function (v) {
      root.appendChild(svg("line", { x1: left, x2: width - 8, y1: y(v), y2: y(v), class: "grid" }));
      root.appendChild(svg("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end", class: "val" },
                           v.toLocaleString("vi-VN", { maximumFractionDigits: 1 })));
    });
    if (values.length > 1) {
      root.appendChild(svg("polyline", { class: "line",
        points: values.map(function (v, i) { return x(i).toFixed(1) + "," + y(v).toFixed(1); }).join(" ") }));
    }
    values.forEach(function (v, i) { root.appendChild(svg("circle", { cx: x(i), cy: y(v), r: 3, class: "dot" })); });
    if (opts.caption) root.appendChild(svg("text", { x: left, y: height + top + 18, class: "val" }, opts.caption));
    fill(container, [root]);
  }

  // ---- contests -------------------------------------------------------------------------------
  /* Which contest a page is about, chosen once and kept:
   *  1. the address (?contest=CODE): any contest, an unlisted one too (staff testing it);
   *  2. the one this browser remembers (chosen in the header's chooser or named in an address),
   *     if it is still listed;
   *  3. PORTAL_CONTEST (data-default-contest);
   *  4. a listed contest with a round open now (the newest), else the next to open, else the latest.
   * Every internal link then carries ?contest=CODE, and the header names the contest.
   * The embed banner skips 2: an agency's banner shows the deliberate default. */
  var CONTEST_KEY = "cchc.contest";
  var PORTAL_PATH = /^\/(?!api\/|static\/|docs|redoc|openapi|favicon|manifest|metrics|health)/;
  var contestPromise = null, publicPromise = null;
  function remembered() { try { return localStorage.getItem(CONTEST_KEY) || ""; } catch (e) { return ""; } }
  function remember(code) { try { localStorage.setItem(CONTEST_KEY, code); } catch (e) { /* not kept */ } }
  function isListed(c) { return !c.settings || c.settings.listed !== false; }
  function publicContests() {
    if (!publicPromise) publicPromise = api("/contests");
    return publicPromise;
  }
  function defaultContest(list) {
    var open = list.filter(function (c) { return c.rounds.some(function (r) { return r.status === "open"; }); });
    if (open.length) return open[open.length - 1];
    var now = Clock.now(), opensAt = function (c) {
      return Math.min.apply(null, c.rounds.map(function (r) { var t = Date.parse(r.opens_at); return t > now ? t : Infinity; }));
    };
    var upcoming = list.filter(function (c) { return opensAt(c) < Infinity; })
      .sort(function (x, y) { return opensAt(x) - opensAt(y); });
    return upcoming[0] || list[list.length - 1] || null;
  }
  function currentContest() {
    if (contestPromise) return contestPromise;
    var code = document.body.dataset.contest, embed = document.body.dataset.page === "embed";
    if (code) {
      contestPromise = api("/contests/" + encodeURIComponent(code)).then(function (c) {
        if (isListed(c) && !embed) remember(c.code);
        return c;
      });
    } else {
      contestPromise = publicContests().then(function (list) {
        var find = function (k) { return k ? list.filter(function (c) { return c.code === k; })[0] : null; };
        var fixed = document.body.dataset.defaultContest;
        var pick = (!embed && find(remembered())) || find(fixed);
        if (pick) return pick;
        if (fixed) return api("/contests/" + encodeURIComponent(fixed)).catch(function () { return defaultContest(list); });
        return defaultContest(list);
      }).then(function (c) {
        if (!c) throw new ApiError(404, "no_contest", "Chưa có hội thi nào.");
        return c;
      });
    }
    var mine = contestPromise;
    mine.then(function (c) { if (contestPromise === mine) showContest(c); }, function () {});
    return mine;
  }
  /** A page learnt its contest elsewhere (an attempt's result): links and header follow it. */
  function useContest(code) {
    if (!code || document.body.dataset.contest === code) return currentContest();
    document.body.dataset.contest = code;
    contestPromise = null;
    return currentContest();
  }
  /** url with ?contest= of the page's contest added (internal pages only; an explicit one stays). */
  function withContest(url, code) {
    code = code || document.body.dataset.contest;
    if (!code || !url || url.charAt(0) === "#") return url;
    var u;
    try { u = new URL(url, location.href); } catch (e) { return url; }
    if (u.origin !== location.origin || !PORTAL_PATH.test(u.pathname) || u.searchParams.has("contest")) return url;
    u.searchParams.set("contest", code);
    return u.pathname + u.search + u.hash;
  }
  var shownCode = "";  // the contest the links were given, replaced when the page learns another
  function keepContestIn(root) {
    if (!document.body.dataset.contest) return;
    var links = root.tagName === "A" ? [root] : $all("a[href]", root);
    links.forEach(function (a) {
      var href = a.getAttribute("href"), kept = withContest(href);
      if (kept === href && shownCode && shownCode !== document.body.dataset.contest && href.indexOf("contest=" + encodeURIComponent(shownCode)) >= 0) {
        var u = new URL(href, location.href);
        if (u.origin === location.origin && u.searchParams.get("contest") === shownCode) {
          u.searchParams.set("contest", document.body.dataset.contest);
          kept = u.pathname + u.search + u.hash;
        }
      }
      if (kept !== href) a.setAttribute("href", kept);
    });
  }
  function showContest(c) {
    document.body.dataset.contest = c.code;
    keepContestIn(document.body);
    shownCode = c.code;
    $all("[data-contest-name]").forEach(function (n) { n.textContent = c.title; });
    var chooser = $("[data-contest-chooser]");
    if (!chooser) return;
    publicContests().then(function (list) {
      var items = list.slice();
      if (!list.some(function (x) { return x.code === c.code; })) items.unshift(c);  // an unlisted one, by address
      fill(chooser, items.map(function (x) {
        var here = x.code === c.code;
        return el("li", {}, el("a", { href: choiceHref(x.code), "data-choose": x.code, "aria-current": here ? "true" : null },
                               x.title + (isListed(x) ? "" : " (không công khai)")));
      }));
      $("[data-contest-pick]").hidden = items.length < 2;
    }).catch(function () {});
  }
  /** The same page of another contest (an attempt's own pages go to the contest's home). */
  function choiceHref(code) {
    var here = new URL(location.href);
    var path = /^\/ket-qua\//.test(here.pathname) ? "/" : here.pathname;
    here.searchParams.delete("attempt");
    here.searchParams.delete("round");
    here.searchParams.set("contest", code);
    return path + "?" + here.searchParams.toString();
  }
  function setupChooser() {
    var chooser = $("[data-contest-chooser]");
    if (!chooser) return;
    // A contest chosen here is remembered (the address carries it too).
    chooser.addEventListener("click", function (e) {
      var a = e.target.closest && e.target.closest("a[data-choose]");
      if (a) remember(a.dataset.choose);
    });
  }
  function watchLinks() {
    // Links the pages' scripts add later carry the contest too.
    if (!window.MutationObserver) return;
    new MutationObserver(function (records) {
      records.forEach(function (r) {
        Array.prototype.forEach.call(r.addedNodes, function (n) { if (n.nodeType === 1) keepContestIn(n); });
        if (r.type === "attributes" && r.target.tagName === "A") keepContestIn(r.target);
      });
    }).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["href"] });
  }
  /** Fill <select data-contest-select> (staff pages) with every contest, the unlisted too. */
  function contestSelects(onChange) {
    var selects = $all("[data-contest-select]");
    return Promise.all([api("/admin/contests"), currentContest().catch(function () { return null; })]).then(function (res) {
      var list = res[0], current = res[1];
      selects.forEach(function (s) {
        fill(s, list.map(function (c) {
          return el("option", { value: c.code }, c.title + " (" + c.code + ")" + (isListed(c) ? "" : " – không công khai"));
        }));
        if (current) s.value = current.code;
        if (onChange) s.addEventListener("change", function () { onChange(s.value, s); });
      });
      return list;
    });
  }
  function openRound(contest) {
    return contest.rounds.filter(function (r) { return r.status === "open"; })[0] || null;
  }
  function nextRound(contest) {
    var now = Clock.now();
    return contest.rounds.filter(function (r) { return Date.parse(r.opens_at) > now; })[0] || null;
  }

  // ---- navigation -----------------------------------------------------------------------------
  function setupNav() {
    var role = Auth.role();
    var nav = $("#menu");
    if (nav) {
      $all("[data-key]", nav).forEach(function (a) {
        if (a.dataset.key === nav.dataset.nav) a.setAttribute("aria-current", "page");
      });
    }
    $all("[data-role]").forEach(function (a) {
      a.hidden = !role || a.dataset.role.split(" ").indexOf(role) < 0;
    });
    $all("[data-guest]").forEach(function (a) { a.hidden = !!role; });
    $all("[data-role-only]").forEach(function (a) { a.hidden = role !== a.dataset.roleOnly; });
    var who = $("[data-user]");
    var logout = $("[data-logout]");
    if (role && who) {
      who.textContent = (Auth.name() || ROLE_NAMES[role] || role) + " · " + (ROLE_NAMES[role] || role);
      who.hidden = false;
      logout.hidden = false;
      logout.addEventListener("click", function () { Auth.clear(); location.href = "/"; });
    }
    var toggle = $(".menu-toggle");
    if (toggle) toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("open", open);
    });
  }

  /** Pages for a role call this first: without a suitable token, go to the login page and back. */
  function requireRole(roles) {
    var role = Auth.role();
    if (!Auth.token() || roles.indexOf(role) < 0) {
      location.href = "/dang-nhap?next=" + encodeURIComponent(location.pathname + location.search) +
        (Auth.token() ? "&role=" + encodeURIComponent(role || "") : "");
      return false;
    }
    return true;
  }

  // ---- tables as cards on a phone (portal.css "phone" section) -----------------------------------
  /* Under 480 px every table.data is shown as a stack of cards, one per row, each cell labelled by
   * its column's header (data-label, read by CSS). Cells are labelled whenever a page's script fills
   * a table, so no page needs to know. */
  function labelTable(table) {
    var heads = $all("thead th", table).map(function (th) { return th.textContent.trim(); });
    if (!heads.length) return;
    $all("tbody tr", table).forEach(function (tr) {
      var col = 0;
      Array.prototype.forEach.call(tr.cells, function (cell) {
        var label = cell.hasAttribute("colspan") && Number(cell.getAttribute("colspan")) > 1 ? "" : heads[col] || "";
        if (cell.getAttribute("data-label") !== label) cell.setAttribute("data-label", label);
        col += Number(cell.getAttribute("colspan")) || 1;
      });
    });
  }
  function labelTables() { $all("table.data").forEach(labelTable); }
  function watchTables() {
    labelTables();
    var pending = false;
    new MutationObserver(function () {
      if (pending) return;
      pending = true;
      Promise.resolve().then(function () { pending = false; labelTables(); });
    }).observe(document.body, { childList: true, subtree: true });
  }

  window.Portal = {
    API: API, Auth: Auth, ApiError: ApiError, api: api, Clock: Clock, fmt: fmt, el: el, $: $, $all: $all,
    fill: fill, emptyRow: emptyRow, showError: showError, fieldError: fieldError,
    barChart: barChart, columnChart: columnChart, sparkline: sparkline,
    currentContest: currentContest, contestSelects: contestSelects, openRound: openRound, nextRound: nextRound,
    publicContests: publicContests, useContest: useContest, withContest: withContest,
    requireRole: requireRole, ROUND_STATUS: ROUND_STATUS, ATTEMPT_STATUS: ATTEMPT_STATUS, ROLE_NAMES: ROLE_NAMES,
  };
  document.addEventListener("DOMContentLoaded", setupNav);
  document.addEventListener("DOMContentLoaded", watchTables);
  document.addEventListener("DOMContentLoaded", function () {
    keepContestIn(document.body);
    shownCode = document.body.dataset.contest || "";
    watchLinks();
    setupChooser();
    // Every page names its contest (the staff pages pick theirs in their own lists).
    if ($("[data-contest-name]")) currentContest().catch(function () {});
  });
})();
