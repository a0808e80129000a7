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
