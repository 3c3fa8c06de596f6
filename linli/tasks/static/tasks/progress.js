// The task page's completion table: counts refreshed every 15 seconds from the small JSON
// endpoint, while the page is visible. Rows are matched by grid; a grid that appeared since
// the page was loaded needs a reload (the page says nothing about it until then).
(function () {
  "use strict";
  var section = document.getElementById("progress");
  if (!section || !window.fetch) { return; }
  var url = section.getAttribute("data-url");
  var at = document.getElementById("progress-at");

  function fill(data) {
    ["done", "could_not", "pending", "total"].forEach(function (k) {
      var cell = section.querySelector('[data-t="' + k + '"]');
      if (cell) { cell.textContent = String(data.total[k]); }
    });
    data.grids.forEach(function (g) {
      var key = g.grid_id === null ? "none" : String(g.grid_id);
      var row = section.querySelector('tr[data-grid="' + key + '"]');
      if (!row) { return; }
      ["done", "could_not", "pending", "percent"].forEach(function (k) {
        var cell = row.querySelector('[data-k="' + k + '"]');
        if (cell) { cell.textContent = String(g[k]); }
      });
    });
    if (at) { at.textContent = data.at.slice(11, 16); }
  }

  function poll() {
    if (document.visibilityState !== "visible") { return; }
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { fill(data); } })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }
  setInterval(poll, 15000);
  document.addEventListener("visibilitychange", poll);
})();
