// Small progressive enhancements; every page works without this file.
// Words in the reader's language come from the page (base.html: <body data-t-…>), the Chinese ones are fallbacks.
function kamWord(key, fallback) {
  return (document.body && document.body.getAttribute("data-t-" + key)) || fallback;
}
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
    var text = (d ? d + kamWord("day", "天") + " " : "") + String(h).padStart(2, "0") + ":" + String(m).padStart(2, "0") + ":" + String(sec).padStart(2, "0");
    return (neg ? kamWord("over", "已超时") : kamWord("left", "剩余")) + " " + text;
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

// === issue 13 (pages): a confirmation dialog for big steps — <form data-confirm-dialog="question"
// data-confirm-ok="button label">. The form submits as usual once confirmed (without JavaScript: at once). ===
(function () {
  var dialog, text, ok, cancel, pending;
  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-text");
    text = document.createElement("p");
    text.id = "confirm-dialog-text";
    var actions = document.createElement("div");
    actions.className = "actions";
    cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "btn secondary";
    cancel.id = "confirm-dialog-cancel";
    ok = document.createElement("button");
    ok.type = "button";
    ok.className = "btn";
    ok.id = "confirm-dialog-ok";
    actions.appendChild(cancel);
    actions.appendChild(ok);
    dialog.appendChild(text);
    dialog.appendChild(actions);
    document.body.appendChild(dialog);
    cancel.addEventListener("click", function () { pending = null; dialog.close(); });
    ok.addEventListener("click", function () {
      var p = pending;
      pending = null;
      dialog.close();
      if (!p) return;
      p.form.setAttribute("data-confirmed", "1");
      if (p.form.requestSubmit) p.form.requestSubmit(p.submitter || undefined); else p.form.submit();
    });
  }
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.hasAttribute || !form.hasAttribute("data-confirm-dialog")) return;
    if (form.getAttribute("data-confirmed") === "1") { form.removeAttribute("data-confirmed"); return; }
    var question = form.getAttribute("data-confirm-dialog");
    if (typeof HTMLDialogElement === "undefined") { if (!window.confirm(question)) ev.preventDefault(); return; }
    ev.preventDefault();
    if (!dialog) build();
    text.textContent = question;
    ok.textContent = form.getAttribute("data-confirm-ok") || kamWord("ok", "确认");
    cancel.textContent = form.getAttribute("data-confirm-cancel") || kamWord("cancel", "取消");
    pending = {form: form, submitter: ev.submitter};
    dialog.showModal();
    ok.focus();
  }, true);
})();
// === end issue 13 (pages) ===

// === issue 13 (search): the top bar's search drop-down by keyboard — ↓/↑ move through the hits, Esc closes;
// Enter in the box opens the results page (the form's own submit). ===
(function () {
  function items() { return Array.prototype.slice.call(document.querySelectorAll("#nav-search-results a")); }
  document.addEventListener("keydown", function (ev) {
    var box = document.getElementById("nav-search");
    if (!box || !ev.target.closest || !ev.target.closest(".navsearch")) return;
    var list = items(), at = list.indexOf(document.activeElement);
    if (ev.key === "ArrowDown" && list.length) {
      ev.preventDefault();
      list[Math.min(at + 1, list.length - 1)].focus();
    } else if (ev.key === "ArrowUp" && list.length) {
      ev.preventDefault();
      if (at <= 0) box.focus(); else list[at - 1].focus();
    } else if (ev.key === "Escape") {
      document.getElementById("nav-search-results").innerHTML = "";
      box.focus();
    }
  });
})();
// === end issue 13 (search) ===
