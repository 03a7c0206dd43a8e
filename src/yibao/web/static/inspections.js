/* The coverage chart of 全覆盖进度, drawn by the locally served ECharts from JSON in the page. */
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var el = document.getElementById("coverage-data");
  var box = document.getElementById("chart-coverage");
  if (!el || !box) { return; }
  var d = JSON.parse(el.textContent);
  var chart = echarts.init(box, null, { renderer: "svg" });
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: ["检查次数", "累计覆盖率", "要求"] },
    grid: { left: 50, right: 50, top: 40, bottom: 30 },
    xAxis: { type: "category", data: d.months },
    yAxis: [
      { type: "value", name: "次", minInterval: 1 },
      { type: "value", name: "%", min: 0, max: 100 }
    ],
    series: [
      { name: "检查次数", type: "bar", data: d.visits },
      { name: "累计覆盖率", type: "line", yAxisIndex: 1, data: d.coverage },
      { name: "要求", type: "line", yAxisIndex: 1, symbol: "none", lineStyle: { type: "dashed" },
        data: d.months.map(function () { return d.required; }) }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
  box.setAttribute("data-rendered", "1");
}());
