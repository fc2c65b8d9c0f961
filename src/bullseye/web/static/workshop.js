// The workshop's clock: 60 minutes from "Start", kept across page loads (localStorage), marking the
// agenda step whose minutes are running. Without JavaScript the agenda still works as links.
(function () {
  "use strict";
  var KEY = "bullseye-workshop-start";
  var timer = document.querySelector(".agenda .timer");
  if (!timer) { return; }
  timer.hidden = false;
  var clock = timer.querySelector(".clock");
  var steps = document.querySelectorAll(".agenda li[data-start]");

  function started() { var v = window.localStorage.getItem(KEY); return v ? parseInt(v, 10) : null; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var start = started();
    var seconds = start ? Math.max(0, Math.floor((Date.now() - start) / 1000)) : 0;
    clock.textContent = pad(Math.floor(seconds / 60)) + ":" + pad(seconds % 60);
    clock.classList.toggle("over", seconds >= 3600);
    var minute = seconds / 60;
    steps.forEach(function (li) {
      var a = li.getAttribute("data-start"), b = li.getAttribute("data-end");
      var now = start !== null && a !== "" && minute >= parseFloat(a) && minute < parseFloat(b);
      li.classList.toggle("now", now);
    });
  }
  timer.addEventListener("click", function (event) {
    var action = event.target.getAttribute("data-timer");
    if (action === "start") { if (!started()) { window.localStorage.setItem(KEY, String(Date.now())); } }
    if (action === "reset") { window.localStorage.removeItem(KEY); }
    tick();
  });
  tick();
  window.setInterval(tick, 1000);
})();
