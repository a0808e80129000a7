// Small progressive enhancements; every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (ev) {
      if (!window.confirm(el.getAttribute("data-confirm"))) ev.preventDefault();
    });
  });
});
// Visit check-in: fill the hidden lat/lng/accuracy fields from the browser's geolocation.
document.addEventListener("click", function (ev) {
  var btn = ev.target.closest("[data-geo]");
  if (!btn || !navigator.geolocation) return;
  var status = document.getElementById("checkin-status");
  navigator.geolocation.getCurrentPosition(function (pos) {
    var form = btn.closest("form");
    form.querySelector("[name=lat]").value = pos.coords.latitude.toFixed(6);
    form.querySelector("[name=lng]").value = pos.coords.longitude.toFixed(6);
    form.querySelector("[name=accuracy]").value = Math.round(pos.coords.accuracy);
    if (status) status.textContent = "✔ " + pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5);
  }, function (err) { if (status) status.textContent = err.message; }, {enableHighAccuracy: true, timeout: 10000});
});
// Live countdown for clocks: [data-due] holds the due instant (ISO 8601); refreshed every second.
(function () {
  function fmt(ms) {
    var neg = ms < 0, s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), sec = s % 60;
    var text = (d ? d + "天 " : "") + String(h).padStart(2, "0") + ":" + String(m).padStart(2, "0") + ":" + String(sec).padStart(2, "0");
    return neg ? "已超时 " + text : "剩余 " + text;
  }
  function tick() {
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var box = el.querySelector(".countdown");
      if (!box) return;
      box.textContent = fmt(new Date(el.getAttribute("data-due")) - new Date());
      box.className = "countdown" + (new Date(el.getAttribute("data-due")) < new Date() ? " bad" : "");
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
})();
