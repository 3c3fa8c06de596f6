/* Opinion charts: messages per day (with the positive and negative ones) and the topics by
   size, drawn with ECharts from the page's JSON (#opinion-data). The print button prints. */
(function () {
  "use strict";
  var node = document.getElementById("opinion-data");
  if (!node || typeof echarts === "undefined") return;
  var data = JSON.parse(node.textContent);
  var lang = document.documentElement.lang || "";
  var zh = lang.indexOf("zh") === 0;
  var charts = [];
  var layouts = [];  // charts whose size follows their labels
  var volume = document.getElementById("opinion-volume");
  if (volume && data.days.length) {
    var chart = echarts.init(volume, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 10, top: 30, bottom: 30 },
      xAxis: { type: "category", data: data.days.map(function (d) { return d.slice(5); }) },
      yAxis: { type: "value" },
      series: [
        { name: zh ? "消息" : "messages", type: "line", data: data.messages, color: "#0d6efd" },
        { name: zh ? "负面" : "negative", type: "bar", data: data.negative, color: "#dc3545" },
        { name: zh ? "正面" : "positive", type: "bar", data: data.positive, color: "#198754" }
      ]
    });
    charts.push(chart);
  }
  var topics = document.getElementById("opinion-topics");
  if (topics && data.topics.length) {
    var rows = data.topics.slice().reverse();
    var names = rows.map(function (t) { return t.name; });
    // A topic is named by up to five keywords ("停车位、充电桩、收费、物业、车库"). Its label wraps
    // in a column about a third of the chart wide, up to three lines ("…" only beyond that), and
    // every bar gets the height its label needs: whole on a desktop, readable on a 360 px phone.
    // (The vendored ECharts build has no tooltip; the table under the chart has every name too.)
    var longest = Math.max.apply(null, names.map(function (name) {
      var width = 0;
      for (var i = 0; i < name.length; i++) width += name.charCodeAt(i) > 0x2e7f ? 12 : 7;
      return width;
    }));
    var bars = echarts.init(topics, null, { renderer: "svg" });
    var layout = function () {
      var width = Math.max(100, Math.min(280, Math.round(topics.clientWidth * 0.38)));
      // (a character's slack: a line breaks before a character that does not fit whole)
      var lines = Math.min(3, Math.max(1, Math.ceil((longest + 12) / width)));
      topics.style.height = Math.max(160, 40 + rows.length * (12 + 15 * lines)) + "px";
      bars.resize();
      bars.setOption({ yAxis: { axisLabel: { width: width, overflow: "break", lineHeight: 15, height: 15 * lines,
                                              lineOverflow: "truncate", ellipsis: "…" } } });
    };
    bars.setOption({
      animation: false,
      grid: { left: 8, right: 20, top: 10, bottom: 20, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: names },
      series: [{ type: "bar", data: rows.map(function (t) { return t.value; }), color: "#6f42c1",
                 label: { show: true, position: "right" } }]
    });
    layout();
    layouts.push(layout);
  }
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
    layouts.forEach(function (f) { f(); });
  });
  var print = document.querySelector("[data-print]");
  if (print) print.addEventListener("click", function () { window.print(); });
})();
