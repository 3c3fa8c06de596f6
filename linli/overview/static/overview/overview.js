/* The one-screen overview: the base map (GeoJSON served by Linli, no tile server), the compounds
   coloured by the scenario's first fill layer, the points and outlines of the other layers,
   the counters and one small chart, refreshed by polling data.json every few seconds.

   Time: the slider over the last 14 days asks data.json for that day (&day=YYYY-MM-DD): the
   counters and layers that can answer for a day show it, the others keep today's number and
   say so; the bars below the slider show arrivals, requests and alerts per day, the chosen
   day darker. Export: the button prints the screen (print.css: one A4 landscape page with the
   place, scenario, day and time stamped), which the browser saves as PDF.

   Live updates: when the page also has the push channel (window.LinliLive, with
   ``on(topic, callback)``), a message on the topic "overview" refreshes at once. */
(function () {
  "use strict";
  var settingsNode = document.getElementById("ov-settings");
  var mapNode = document.getElementById("ov-map");
  if (!settingsNode || !mapNode || typeof L === "undefined") return;
  var settings = JSON.parse(settingsNode.textContent);
  var words = settings.words || {};
  var scenario = settings.scenario;
  var days = settings.days || [];
  var today = days[days.length - 1];
  var day = settings.day || today;

  function withScenario(url) {
    return url + (url.indexOf("?") < 0 ? "?" : "&") + "scenario=" + encodeURIComponent(scenario);
  }
  function dataUrl() {
    return settings.data + (day && day !== today ? "&day=" + encodeURIComponent(day) : "");
  }
  function say(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, key) { return String(values[key]); });
  }

  // --- the map --------------------------------------------------------------------------------
  var tiles = settings.tiles;
  var map = L.map(mapNode, { preferCanvas: true, zoomSnap: 0.25, attributionControl: !!tiles });
  map.setView([31.2, 121.5], 13);
  if (tiles && tiles.url) {  // configured (LINLI_MAP_TILES): under the boundaries; else boundaries only
    map.attributionControl.setPrefix(false);
    L.tileLayer(tiles.url, { attribution: tiles.attribution, maxZoom: tiles.maxZoom || 19 }).addTo(map);
  }
  var byId = {};           // place id -> Leaflet layer of the base map
  var compounds = [];      // the compound layers, recoloured by the scenario
  var overlay = L.layerGroup().addTo(map);  // the points and outlines of the layers
  var fill = null;         // {legend: {key: colour}, values: {place id: properties}}

  var LEVEL_STYLE = {
    street: { color: "#6f42c1", weight: 3, fillColor: "#6f42c1", fillOpacity: 0.02 },
    community: { color: "#0b3d91", weight: 2.5, fillColor: "#0b3d91", fillOpacity: 0.03 },
    compound: { color: "#495057", weight: 1, fillColor: "#e9ecef", fillOpacity: 0.65 },
    building: { color: "#343a40", weight: 0.5, fillColor: "#868e96", fillOpacity: 0.9 }
  };

  function link(text, href) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  function popupFor(props) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = props.name;
    box.appendChild(title);
    var shown = fill && fill.values[props.id];
    if (shown) {
      var line = document.createElement("div");
      line.textContent = fill.title + ": " + (shown.text || shown.value) + (shown.reason ? " (" + shown.reason + ")" : "");
      box.appendChild(line);
    }
    var links = document.createElement("div");
    if (props.level === "community" || props.level === "street") {
      links.appendChild(link(props.level === "street" ? words.streetScreen : words.communityScreen,
        withScenario(props.screen)));
      links.appendChild(document.createElement("br"));
    }
    var text = props.level === "building" ? words.buildingPage : props.level === "compound" ? words.compoundPage : props.name;
    links.appendChild(link(text, withScenario(props.url)));
    box.appendChild(links);
    return box;
  }

  function drawBase(collection) {
    var screenBase = settings.map.replace(/\d+\/map\.geojson$/, "");
    var geo = L.geoJSON(collection, {
      style: function (feature) { return LEVEL_STYLE[feature.properties.level] || {}; },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { radius: feature.properties.level === "building" ? 3 : 6 });
      },
      onEachFeature: function (feature, layer) {
        var props = feature.properties;
        props.screen = screenBase + props.id + "/";
        byId[props.id] = layer;
        if (props.level === "compound") compounds.push(layer);
        layer.bindPopup(function () { return popupFor(props); });
        layer.bindTooltip(props.name, { sticky: true });
      }
    }).addTo(map);
    var bounds = geo.getBounds();
    if (bounds.isValid()) {
      baseBounds = bounds;
      map.fitBounds(bounds, { padding: [10, 10] });
    }
    recolour();
  }

  function recolour() {
    compounds.forEach(function (layer) {
      var props = layer.feature.properties;
      var shown = fill && fill.values[props.id];
      var colour = fill ? (fill.legend[shown ? shown.colour : ""] || LEVEL_STYLE.compound.fillColor)
        : LEVEL_STYLE.compound.fillColor;
      layer.setStyle({ fillColor: colour });
    });
  }

  // --- the layers, the legend, the counters ------------------------------------------------------
  function drawLayers(layers) {
    overlay.clearLayers();
    fill = null;
    layers.forEach(function (layer) {
      var colours = {};
      layer.legend.forEach(function (entry) { colours[entry.key] = entry.colour; });
      if (layer.kind === "fill") {
        if (fill) return;  // the scenario's first fill layer colours the map
        var values = {};
        layer.features.forEach(function (f) { values[f.properties.place] = f.properties; });
        fill = { legend: colours, values: values, title: layer.title };
        return;
      }
      L.geoJSON({ type: "FeatureCollection", features: layer.features }, {
        interactive: false,
        style: function (f) {
          if (f.geometry && f.geometry.type === "Point") return {};  // styled by pointToLayer
          return { color: colours[f.properties.colour] || "#198754", weight: 1.5, dashArray: "4 4", fill: false };
        },
        pointToLayer: function (f, latlng) {
          var marker = L.circleMarker(latlng, {
            radius: 6, color: "#fff", weight: 1.5, fillColor: colours[f.properties.colour] || "#6f42c1",
            fillOpacity: 1, interactive: true
          });
          marker.bindTooltip((f.properties.name || "") + " " + layer.label + ": " + (f.properties.text || ""));
          return marker;
        }
      }).addTo(overlay);
    });
    recolour();
  }

  function drawLegend(layers) {
    var box = document.getElementById("ov-legend");
    if (!box) return;
    box.textContent = "";
    layers.forEach(function (layer) {
      if (!layer.legend.length) return;
      var title = document.createElement("p");
      title.className = "small mb-1 fw-semibold";
      title.textContent = layer.label + (layer.today_only ? " " + words.nowOnly : "");
      box.appendChild(title);
      var list = document.createElement("ul");
      list.className = "list-unstyled small mb-2";
      list.dataset.layer = layer.name;
      layer.legend.forEach(function (entry) {
        var item = document.createElement("li");
        var swatch = document.createElement("span");
        swatch.className = "ov-swatch";
        swatch.setAttribute("aria-hidden", "true");
        swatch.style.background = entry.colour;
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(" " + entry.text));
        list.appendChild(item);
      });
      box.appendChild(list);
    });
  }

  function drawCounters(counters) {
    var list = document.getElementById("ov-counters");
    if (!list) return;
    counters.forEach(function (counter) {
      var item = list.querySelector('[data-counter="' + counter.name + '"]');
      if (!item) return;
      var value = item.querySelector(".ov-value");
      var target = value.querySelector("a") || value;
      target.textContent = counter.text;
      item.classList.toggle("ov-today-only", !!counter.today_only);
      var note = item.querySelector(".ov-note");
      if (note) note.hidden = !counter.today_only;
      var trend = item.querySelector(".ov-trend");
      if (trend && counter.last_week !== null) {
        trend.textContent = say(words.lastWeek, { n: counter.last_week });
        trend.className = "ov-trend ov-" + counter.trend;
      }
      var parts = item.querySelectorAll(".ov-parts li");
      counter.parts.forEach(function (part, i) {
        if (parts[i]) parts[i].textContent = part.label + ": " + part.text;
      });
    });
  }

  var chart = null;
  function drawChart(counters) {
    var node = document.getElementById("ov-chart");
    if (!node || typeof echarts === "undefined") return;
    var first = counters.filter(function (c) { return c.parts.length; })[0];
    if (!first) { node.parentNode.hidden = true; return; }
    node.parentNode.hidden = false;
    node.hidden = false;
    var heading = document.getElementById("ov-chart-title");
    if (heading) heading.textContent = first.label;
    node.setAttribute("aria-label", first.label + ": " + first.parts.map(function (p) {
      return p.label + " " + p.text;
    }).join(", "));
    chart = chart || echarts.init(node, null, { renderer: "svg" });
    chart.setOption({
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1, splitNumber: 3, axisLabel: { hideOverlap: true } },
      yAxis: { type: "category", data: first.parts.map(function (p) { return p.label; }), inverse: true },
      series: [{ type: "bar", data: first.parts.map(function (p) { return p.value === null ? 0 : p.value; }),
                 itemStyle: { color: "#0b5ed7" }, label: { show: true, position: "right",
                 formatter: function (p) { return first.parts[p.dataIndex].text; } } }],
      animation: false
    }, true);
  }

  // --- the 14 days: the slider and the bars per day ----------------------------------------------
  var seriesChart = null;
  var COLOURS = ["#b02a37", "#0b5ed7", "#6c4a00", "#146c43"];
  function drawSeries(series) {
    var node = document.getElementById("ov-series");
    if (!node || typeof echarts === "undefined" || !series) return;
    var shown = series.series || [];
    node.setAttribute("aria-label", shown.map(function (s) {
      return s.label + ": " + s.texts.map(function (t, i) { return series.days[i].slice(5) + " " + t; }).join(", ");
    }).join("; "));
    var key = document.getElementById("ov-series-legend");
    if (key) {  // the series' colours in words (the chart's own legend is not in ECharts' simple build)
      key.textContent = "";
      var small = false;
      shown.forEach(function (s, k) {
        var item = document.createElement("li");
        item.className = "list-inline-item";
        var swatch = document.createElement("span");
        swatch.className = "ov-swatch";
        swatch.setAttribute("aria-hidden", "true");
        swatch.style.background = COLOURS[k % COLOURS.length];
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(" " + s.label));
        key.appendChild(item);
        small = small || s.values.some(function (v) { return v === null; });
      });
      if (small) {
        var note = document.createElement("li");
        note.className = "list-inline-item text-body-secondary";
        note.textContent = words.seriesSmall;
        key.appendChild(note);
      }
    }
    seriesChart = seriesChart || echarts.init(node, null, { renderer: "svg" });
    var chosen = series.days.indexOf(day);
    seriesChart.setOption({
      grid: { left: 4, right: 4, top: 8, bottom: 4, containLabel: true },
      xAxis: { type: "category", data: series.days.map(function (d) { return d.slice(5); }),
               axisLabel: { fontSize: 10, interval: 1 } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: 10 } },
      series: shown.map(function (s, k) {
        return { type: "bar", name: s.label, barGap: "10%",
                 data: s.values.map(function (v, i) {
                   return { value: v === null ? 0 : v,
                            itemStyle: { color: COLOURS[k % COLOURS.length], opacity: i === chosen ? 1 : 0.4 } };
                 }) };
      }),
      animation: false
    }, true);
    seriesChart.off("click");
    seriesChart.on("click", function (p) { choose(p.dataIndex); });
  }

  var slider = document.getElementById("ov-slider");
  var sliderDay = document.getElementById("ov-slider-day");
  var lastSeries = null;
  function label(d) { return (d === today ? (words.today + " ") : "") + d; }
  function showDay(i) {
    var d = days[i];
    if (!d) return;
    if (sliderDay) sliderDay.textContent = label(d);
    if (slider) slider.setAttribute("aria-valuetext", label(d));
  }
  function choose(i) {
    if (!days[i] || days[i] === day) return;
    day = days[i];
    if (slider) slider.value = String(i);
    showDay(i);
    document.getElementById("ov-screen").dataset.day = day;
    var dayNode = document.getElementById("ov-day");
    if (dayNode) dayNode.textContent = day;
    var stampDay = document.querySelector('[data-stamp="day"]');
    if (stampDay) stampDay.textContent = day;
    // the address and the scenario buttons keep the day, for a reload or a switch of scenario
    var query = "?scenario=" + encodeURIComponent(scenario) + (day !== today ? "&day=" + day : "");
    if (window.history && window.history.replaceState) window.history.replaceState(null, "", query);
    document.querySelectorAll("[data-scenario-link]").forEach(function (a) {
      a.setAttribute("href", "?scenario=" + a.dataset.scenarioLink + (day !== today ? "&day=" + day : ""));
    });
    if (lastSeries) drawSeries(lastSeries);
    refresh();
  }
  if (slider) {
    slider.addEventListener("input", function () { showDay(Number(slider.value)); });
    slider.addEventListener("change", function () { choose(Number(slider.value)); });
  }

  // --- export: one printed page with the stamp -------------------------------------------------------
  // The page takes the printed page's size (body.ov-print, print.css) and redraws the map and
  // the charts at that size; the browser then prints what is drawn.
  var baseBounds = null;
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function toPrint() {
    var at = document.querySelector('[data-stamp="at"]');
    var now = new Date();
    if (at) {
      at.textContent = say(words.printedAt, { time: now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" +
        pad(now.getDate()) + " " + pad(now.getHours()) + ":" + pad(now.getMinutes()) });
    }
    document.body.classList.add("ov-print");
    resize();
    if (baseBounds) map.fitBounds(baseBounds, { padding: [4, 4], animate: false });
  }
  function fromPrint() {
    if (!document.body.classList.contains("ov-print")) return;
    document.body.classList.remove("ov-print");
    resize();
    if (baseBounds) map.fitBounds(baseBounds, { padding: [10, 10], animate: false });
  }
  window.addEventListener("beforeprint", toPrint);
  window.addEventListener("afterprint", fromPrint);
  var exportButton = document.getElementById("ov-export");
  if (exportButton) {
    exportButton.addEventListener("click", function () {
      toPrint();
      // a frame for the map's canvas to redraw at the page's size, then the print dialog
      window.requestAnimationFrame(function () { window.setTimeout(function () { window.print(); }, 150); });
    });
  }

  function resize() {
    if (chart) chart.resize();
    if (seriesChart) seriesChart.resize();
    map.invalidateSize();
  }
  window.addEventListener("resize", resize);

  // --- refreshing -----------------------------------------------------------------------------------
  var lastGood = null;
  function stamp(ok, at) {
    var node = document.getElementById("ov-updated");
    if (!node) return;
    if (ok) lastGood = at;
    node.textContent = ok ? say(words.updated, { time: at.slice(11, 19) })
      : say(words.stale, { time: lastGood ? lastGood.slice(11, 19) : "—" });
    node.classList.toggle("text-danger", !ok);
  }

  function apply(data) {
    drawLayers(data.layers);
    drawLegend(data.layers);
    drawCounters(data.counters);
    drawChart(data.counters);
    lastSeries = data.series;
    drawSeries(data.series);
    stamp(true, data.at);
    var box = document.getElementById("ov-screen");
    box.dataset.loaded = "1";
    box.dataset.shown = data.day;
  }

  var asked = 0;
  function refresh() {
    var ticket = ++asked;  // a later request (another day) wins over an earlier one
    return fetch(dataUrl(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        if (ticket !== asked) return;
        apply(data);
      })
      .catch(function () { stamp(false, ""); });
  }

  // The page arrives with its first numbers (ov-data): the map is drawn with them, and polling
  // takes over from there, so the first paint does not wait for a second count.
  var initialNode = document.getElementById("ov-data");
  var initial = initialNode ? JSON.parse(initialNode.textContent) : null;
  fetch(settings.map, { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(drawBase)
    .then(function () { return initial ? apply(initial) : refresh(); });
  window.setInterval(refresh, Math.max(15, Math.min(30, settings.poll || 20)) * 1000);
  // For the page's tests and for whoever embeds the screen: the map, its places by id, refresh().
  window.LinliOverview = { map: map, places: byId, refresh: refresh, choose: choose, toPrint: toPrint,
                           fromPrint: fromPrint };
  if (window.LinliLive && typeof window.LinliLive.on === "function") {
    window.LinliLive.on("overview", refresh);
  }
})();
