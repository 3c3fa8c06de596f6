/* Today's disinfection route on a map: the office (the start), the numbered points in route
   order, the line through them, and the points already done today. No tile server. */
(function () {
  "use strict";
  var node = document.getElementById("sites-map");
  var data = document.getElementById("sites-route");
  if (!node || !data || typeof L === "undefined") return;
  var route = JSON.parse(data.textContent);
  if (!route.depot) return;
  var map = L.map(node, { attributionControl: false });
  var at = function (p) { return [p[1], p[0]]; };
  var line = [at(route.depot)].concat(route.stops.map(function (s) { return at(s.at); }), [at(route.depot)]);
  map.fitBounds(L.latLngBounds(line).pad(0.1));  // a view first: layers are drawn as they are added
  (route.outlines || []).forEach(function (outline) {
    L.geoJSON(outline, { interactive: false, style: { color: "#495057", weight: 1, fillColor: "#e9ecef", fillOpacity: 0.6 } }).addTo(map);
  });
  L.polyline(line, { color: "#6610f2", weight: 3 }).addTo(map);
  L.circleMarker(at(route.depot), { radius: 8, color: "#000", fillColor: "#fff", fillOpacity: 1 }).addTo(map);
  var colours = { due: "#e0a800", overdue: "#dc3545" };
  route.stops.forEach(function (s, i) {
    L.marker(at(s.at), { icon: L.divIcon({ className: "sites-stop-label", html: String(i + 1), iconSize: [20, 20] }),
                         title: (i + 1) + ". " + s.name, keyboard: false }).addTo(map);
    L.circleMarker(at(s.at), { radius: 3, color: colours[s.state] || "#6c757d" }).addTo(map);
  });
  route.done.forEach(function (p) {
    L.circleMarker(at(p.at), { radius: 5, color: "#146c43", fillColor: "#198754", fillOpacity: 1 }).addTo(map);
  });
}());
