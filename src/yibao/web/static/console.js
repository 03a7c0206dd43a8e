/* Charts of the console, drawn by the locally served ECharts; data comes from JSON in the page. */
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var yuan = function (v) { return Number(v).toLocaleString("zh-CN", { maximumFractionDigits: 0 }); };
  var draw = function (id, option) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
    el.setAttribute("data-rendered", "1");
    return chart;
  };
  var read = function (id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  };

  var ov = read("overview-data");
  if (ov) {
    draw("chart-monthly", {
      tooltip: { trigger: "axis" },
      legend: { data: ["基金支出", "疑点金额"] },
      grid: { left: 70, right: 20, top: 30, bottom: 30 },
      xAxis: { type: "category", data: ov.monthly.map(function (m) { return m.month; }) },
      yAxis: { type: "value", name: "元", axisLabel: { formatter: yuan } },
      series: [
        { name: "基金支出", type: "line", data: ov.monthly.map(function (m) { return m.fund_pay; }) },
        { name: "疑点金额", type: "line", data: ov.monthly.map(function (m) { return m.at_risk; }) }
      ]
    });
    var v = ov.violations.slice(0, 12).reverse();
    var vc = draw("chart-violations", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 10, right: 20, top: 10, bottom: 30, containLabel: true },
      xAxis: { type: "value", axisLabel: { formatter: yuan } },
      yAxis: { type: "category", data: v.map(function (r) { return r.label; }) },
      series: [{ name: "疑点金额", type: "bar", data: v.map(function (r) { return r.amount; }) }]
    });
    if (vc) {
      vc.on("click", function (p) { window.location = "/console/findings?violation=" + v[p.dataIndex].code; });
    }
  }

  var peers = read("peers-data");
  if (peers) {
    var rows = peers.peers.slice().reverse();
    draw("chart-peers", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 10, right: 20, top: 10, bottom: 30, containLabel: true },
      xAxis: { type: "value", min: 0, max: 1 },
      yAxis: { type: "category", data: rows.map(function (r) { return r.name; }) },
      series: [{
        name: "风险评分", type: "bar",
        data: rows.map(function (r) {
          return { value: r.risk, itemStyle: { color: r.code === peers.self ? "#b42318" : "#5b8ff9" } };
        })
      }]
    });
  }
}());
