// The open alerts refresh themselves when the live channel announces one (no reload).
// LinliLive (linli/live.js) may be missing: then the list is as it was served.
(function () {
  "use strict";
  var box = document.getElementById("alert-rows");
  if (!box) { return; }
  var pending = false;
  function refresh() {
    if (pending) { return; }
    pending = true;
    fetch(box.getAttribute("data-rows-url"), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { box.innerHTML = html; } })
      .catch(function () { /* keep the rows shown */ })
      .then(function () { pending = false; });
  }
  function start() {
    if (window.LinliLive && typeof window.LinliLive.on === "function") {
      window.LinliLive.on("alerts", function () { refresh(); });
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
