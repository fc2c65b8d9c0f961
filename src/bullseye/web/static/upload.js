// Drag and drop for the Data page's upload form. Without this script the file input and the
// Upload button work as they are; with it, files dropped on the zone are put in the input and
// sent, and an upload over the size limit is stopped here, before it is sent (the server refuses
// it in any case).
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  var zone = document.getElementById("dropzone");
  var input = document.getElementById("upload-file");
  var error = document.getElementById("upload-error");
  if (!form || !zone || !input) { return; }
  var limit = Number(form.getAttribute("data-max-bytes")) || Infinity;

  function fits(files) {
    var total = 0;
    for (var i = 0; i < files.length; i += 1) { total += files[i].size; }
    if (total <= limit) { return true; }
    if (error) {
      error.textContent = "These files are " + (total / 1e6).toFixed(1) + " MB together, more than the " +
        (limit / 1e6) + " MB an upload may be (load.upload_max_mb in bullseye.yaml).";
      error.hidden = false;
    }
    return false;
  }

  form.addEventListener("submit", function (event) {
    if (!fits(input.files)) { event.preventDefault(); }
  });
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
    input.files = event.dataTransfer.files;
    if (!fits(input.files)) { return; }
    zone.classList.add("sending");
    form.submit();
  });
}());
