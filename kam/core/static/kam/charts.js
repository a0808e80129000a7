// Charts from data the server renders with json_script (no inline scripts; CSP-safe), drawn with the
// vendored ECharts (Chinese locale, SVG renderer so it prints well).
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) return;
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(el, null, {locale: "ZH", renderer: "svg"});
    chart.setOption({
      grid: {left: 70, right: 16, top: 24, bottom: 28},
      tooltip: {trigger: "axis", valueFormatter: function (v) { return "¥" + Number(v).toLocaleString("zh-CN"); }},
      xAxis: {type: "category", data: data.labels},
      yAxis: {type: "value", axisLabel: {formatter: function (v) { return (v / 10000).toLocaleString("zh-CN") + "万"; }}},
      series: [{type: "bar", name: data.name, data: data.values, itemStyle: {color: "#0b6bcb"}}]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
});
