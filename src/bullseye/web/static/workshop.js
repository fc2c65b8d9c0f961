// The workshop's clock: 60 minutes from "Start", kept across page loads (localStorage), marking the
// agenda step whose minutes are running. Without JavaScript the agenda still works as links.
// Someone else's save shows as a note within seconds, before a stale save is refused.
(function () {
  "use strict";
  var board = document.querySelector("[data-watch]");
  var note = document.querySelector(".stale-note");
  if (!board || !note || !window.fetch) { return; }
  var revision = board.getAttribute("data-revision");
  function check() {
    window.fetch(board.getAttribute("data-watch"), { headers: { accept: "application/json" }, credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (data) {
        if (!data || data.revision === revision) { return; }
        var changes = (data.workshop || data.map || {}).changes || [];
        var last = changes[changes.length - 1];
        note.querySelector(".by").textContent = last ? " (" + last.by + ", " + String(last.at).slice(11, 16) + ")" : "";
        note.hidden = false;
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }
  window.setInterval(check, 15000);
  window.addEventListener("focus", check);  // back from another window: check at once
})();

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
