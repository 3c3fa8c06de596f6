// The reach table of a published notice follows the confirmations as they come in: a live
// "notices.reach" event for this notice (linli/live.js) fetches the table again, at most once
// every few seconds; and every minute anyway, for a page whose live stream is off.
(function () {
  "use strict";
  var box = document.getElementById("notice-reach");
  if (!box) { return; }
  var notice = Number(box.getAttribute("data-notice"));
  var url = box.getAttribute("data-reach-url");
  var EVERY_MS = 3000;
  var last = 0, timer = null, pending = false;
  function load() {
    timer = null;
    if (pending) { return; }
    pending = true;
    last = Date.now();
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { box.innerHTML = html; box.setAttribute("data-updated", String(Date.now())); } })
      .catch(function () { /* keep the figures shown */ })
      .then(function () { pending = false; });
  }
  function soon() {
    if (timer !== null) { return; }
    timer = window.setTimeout(load, Math.max(0, last + EVERY_MS - Date.now()));
  }
  function start() {
    if (window.LinliLive && typeof window.LinliLive.on === "function") {
      window.LinliLive.on("notices.reach", function (payload) {
        if (payload && Number(payload.notice) === notice) { soon(); }
      });
    }
    window.setInterval(soon, 60000);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
