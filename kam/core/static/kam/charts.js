// Charts from data the server renders with json_script (no inline scripts; CSP-safe), drawn with the
// vendored ECharts (Chinese locale, SVG renderer so it prints well).
// The page's language (<html lang>) picks the number style: 万/亿 in Chinese, M/B in English.
var KAM_ZH = document.documentElement.lang !== "en", KAM_NUM = KAM_ZH ? "zh-CN" : "en-US";
function kamYuanShort(v, digits) {
  if (KAM_ZH) {
    if (Math.abs(v) >= 1e8) return (v / 1e8).toLocaleString(KAM_NUM, {maximumFractionDigits: 2}) + "亿";
    if (Math.abs(v) >= 1e4) return (v / 1e4).toLocaleString(KAM_NUM, {maximumFractionDigits: digits}) + "万";
  } else {
    if (Math.abs(v) >= 1e9) return (v / 1e9).toLocaleString(KAM_NUM, {maximumFractionDigits: 2}) + "B";
    if (Math.abs(v) >= 1e6) return (v / 1e6).toLocaleString(KAM_NUM, {maximumFractionDigits: 1}) + "M";
  }
  return Number(v).toLocaleString(KAM_NUM);
}
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) return;
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(el, null, {locale: KAM_ZH ? "ZH" : "EN", renderer: "svg"});
    chart.setOption({
      grid: {left: 70, right: 16, top: 24, bottom: 28},
      tooltip: {trigger: "axis", valueFormatter: function (v) { return "¥" + Number(v).toLocaleString(KAM_NUM); }},
      xAxis: {type: "category", data: data.labels},
      yAxis: {type: "value", axisLabel: {formatter: function (v) { return kamYuanShort(v, 0); }}},
      series: [{type: "bar", name: data.name, data: data.values, itemStyle: {color: "#0b6bcb"}}]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
});

/* ---- home pages (issue 13, kam.core.home.Chart): [data-kchart] names a json_script block with
   {labels, unit, series: [{name, type, stack, color, data}]}; bars or lines, stacked by `stack`.
   The tooltip renders as rich text (no HTML styles: CSP style-src 'self'). ---- */
(function () {
  var COLORS = {ok: "#2e7d32", bad: "#c62828", warn: "#d08a00", accent: "#0b6bcb", muted: "#9aa5b1", "": null};
  var PALETTE = ["#0b6bcb", "#9aa5b1", "#2e7d32", "#d08a00", "#c62828", "#6a4fb3"];
  function fmt(unit) {
    if (unit === "%") return function (v) { return v == null ? "—" : v + "%"; };
    if (unit === "yuan") return function (v) {
      return v == null ? "—" : kamYuanShort(v, 1);
    };
    return function (v) { return v == null ? "—" : Number(v).toLocaleString(KAM_NUM); };
  }
  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-kchart"));
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var f = fmt(data.unit);
    var narrow = el.clientWidth < 420;
    var series = data.series.map(function (s, i) {
      var color = COLORS[s.color || ""] || PALETTE[i % PALETTE.length];
      var out = {name: s.name, type: s.type || "bar", data: s.data, itemStyle: {color: color},
                 emphasis: {focus: "series"}};
      if (s.stack) out.stack = s.stack;
      if (out.type === "line") { out.connectNulls = false; out.symbolSize = 6; out.lineStyle = {color: color, width: 2}; }
      else { out.barMaxWidth = 28; }
      return out;
    });
    var many = data.labels.length > 8;
    var chart = echarts.init(el, null, {locale: KAM_ZH ? "ZH" : "EN", renderer: "svg"});
    chart.setOption({
      animation: false,
      grid: {left: 8, right: 12, top: data.series.length > 1 ? 30 : 12, bottom: 4, containLabel: true},
      legend: data.series.length > 1 ? {top: 0, itemWidth: 12, itemHeight: 10, textStyle: {fontSize: 12}} : undefined,
      tooltip: {trigger: "axis", renderMode: "richText", valueFormatter: f},
      xAxis: {type: "category", data: data.labels,
              axisLabel: {fontSize: 11, interval: narrow && many ? "auto" : 0, rotate: many && !narrow ? 30 : 0, hideOverlap: true}},
      yAxis: {type: "value", max: data.unit === "%" ? 100 : null, minInterval: data.unit ? null : 1,
              axisLabel: {fontSize: 11, formatter: f}},
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-kchart]").forEach(draw);
  });
})();
