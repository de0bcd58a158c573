/* The banner inside an agency's iframe: the contest, the current round, a link that opens the
 * registration in a new tab with the agency's unit pre-selected. The page tells the agency's page
 * its height (postMessage {type: "cchc-embed-height", height}); the snippet's script sizes the
 * iframe to it, so nothing is cut at any width. */
(function () {
  "use strict";
  var P = window.Portal;
  var unit = document.body.dataset.unit;
  var join = P.$("[data-join]");
  function joinHref(path, contest) {
    var params = new URLSearchParams();
    if (contest) params.set("contest", contest);
    if (unit) params.set("unit", unit);
    return path + (params.toString() ? "?" + params.toString() : "");
  }
  join.href = joinHref("/dang-ky", document.body.dataset.contest);

  var banner = P.$(".banner"), sent = 0;
  function postHeight() {
    // The banner's own height (the document is at least as tall as the frame, so never that).
    var style = getComputedStyle(document.body);
    var height = Math.ceil(banner.getBoundingClientRect().height + banner.offsetTop +
                           parseFloat(style.paddingBottom || 0) + parseFloat(style.marginBottom || 0));
    if (height === sent || window.parent === window) return;
    sent = height;
    window.parent.postMessage({ type: "cchc-embed-height", height: height }, "*");
  }
  if (window.ResizeObserver) new ResizeObserver(postHeight).observe(banner);
  window.addEventListener("resize", postHeight);
  window.addEventListener("load", postHeight);
  postHeight();

  P.Clock.sync().then(P.currentContest).then(function (c) {
    P.$("[data-contest-title]").textContent = c.title;
    var open = P.openRound(c), next = P.nextRound(c);
    P.$("[data-next-round]").textContent = open
      ? "Tuần " + open.n + " đang diễn ra, kết thúc lúc " + P.fmt.dateTime(open.closes_at)
      : next ? "Tuần " + next.n + " bắt đầu lúc " + P.fmt.dateTime(next.opens_at) : "Xem kết quả Hội thi";
    join.href = joinHref("/dang-ky", c.code);
    if (!open && !next) { join.href = joinHref("/bang-xep-hang", c.code); join.textContent = "Xem kết quả"; }
    postHeight();
  }).catch(function () {});
})();
