/* Peer comparison chart of the practitioner and person profiles, drawn by the locally served ECharts.
   The same figures are in the table below the chart; the chart only makes them quicker to read. */
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var el = document.getElementById("chart-profile-peers");
  var src = document.getElementById("profile-peers-data");
  if (!el || !src) { return; }
  var data = JSON.parse(src.textContent);
  var rows = data.rows.slice().reverse();  // the first indicator on top
  var labels = rows.map(function (r) { return r.label; });
  var option;
  if (data.kind === "practitioner") {
    option = {
      tooltip: {
        trigger: "axis", axisPointer: { type: "shadow" },
        formatter: function (items) {
          var r = rows[items[0].dataIndex];
          return r.label + "<br>本医师 " + r.value + "<br>同类组中位数 " + r.median + "（" + r.group + "）" +
            "<br>本院同科室中位数 " + r.local_median;
        }
      },
      legend: { data: ["本医师", "本院同科室中位数"] },
      grid: { left: 10, right: 40, top: 30, bottom: 40, containLabel: true },
      xAxis: {
        type: "value", name: "为同类组中位数的倍数", nameLocation: "middle", nameGap: 25, min: 0,
        max: function (v) { return Math.max(1.5, Math.ceil(v.max * 10 + 1) / 10); }  // keep the 1× line inside
      },
      yAxis: { type: "category", data: labels },
      series: [
        {
          name: "本医师", type: "bar",
          data: rows.map(function (r) { return r.self; }),
          itemStyle: { color: "#b42318" },
          markLine: {
            symbol: "none", silent: true, lineStyle: { type: "dashed", color: "#333" },
            label: { formatter: "同类组中位数" }, data: [{ xAxis: 1 }]
          }
        },
        {
          name: "本院同科室中位数", type: "bar",
          data: rows.map(function (r) { return r.local; }),
          itemStyle: { color: "#5b8ff9" }
        }
      ]
    };
  } else {
    option = {
      tooltip: {
        trigger: "axis", axisPointer: { type: "shadow" },
        formatter: function (items) {
          var r = rows[items[0].dataIndex];
          return r.label + "<br>本人 " + r.value + "<br>同组中位数 " + r.median + "<br>百分位 " + r.percentile;
        }
      },
      grid: { left: 10, right: 40, top: 20, bottom: 40, containLabel: true },
      xAxis: { type: "value", name: "在同组中的百分位", nameLocation: "middle", nameGap: 25, min: 0, max: 100 },
      yAxis: { type: "category", data: labels },
      series: [{
        name: "百分位", type: "bar",
        data: rows.map(function (r) {
          return { value: r.percentile, itemStyle: { color: r.percentile >= 95 ? "#b42318" : "#5b8ff9" } };
        }),
        markLine: {
          symbol: "none", silent: true, lineStyle: { type: "dashed", color: "#333" },
          label: { formatter: "中位数" }, data: [{ xAxis: 50 }]
        }
      }]
    };
  }
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption(option);
  window.addEventListener("resize", function () { chart.resize(); });
  el.setAttribute("data-rendered", "1");
}());
