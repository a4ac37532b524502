// Upload progress for the registry import form. htmx fires htmx:xhr:progress on the form while the files go up;
// once they are up the server is still importing, which for a thousand-site file is worth saying.
(function () {
  "use strict";

  function parts(form) {
    var box = form && form.querySelector("[data-upload-status]");
    if (!box) return null;
    return { box: box, bar: box.querySelector("[data-upload-progress]"), note: box.querySelector("[data-upload-note]") };
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var ui = parts(event.target);
    if (!ui) return;
    ui.box.hidden = false;
    ui.bar.value = 0;
    ui.note.textContent = "Starting upload…";
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var ui = parts(event.target);
    if (!ui || !event.detail.lengthComputable || !event.detail.total) return;
    var percent = Math.round((event.detail.loaded / event.detail.total) * 100);
    ui.bar.value = percent;
    ui.bar.textContent = percent + "%";
    ui.note.textContent = percent < 100 ? "Uploaded " + percent + "%" : "Uploaded; queued for import…";
  });

  document.addEventListener("htmx:responseError", function (event) {
    var ui = parts(event.target);
    if (ui) ui.note.textContent = "The server could not finish the import; nothing from the failed file was written.";
  });
})();
