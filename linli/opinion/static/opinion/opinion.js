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
    var bars = echarts.init(topics, null, { renderer: "svg" });
    var rows = data.topics.slice().reverse();
    bars.setOption({
      animation: false,
      tooltip: {},
      grid: { left: 8, right: 20, top: 10, bottom: 20, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: rows.map(function (t) { return t.name; }),
               axisLabel: { width: 110, overflow: "truncate" } },
      series: [{ type: "bar", data: rows.map(function (t) { return t.value; }), color: "#6f42c1" }]
    });
    charts.push(bars);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  var print = document.querySelector("[data-print]");
  if (print) print.addEventListener("click", function () { window.print(); });
})();
