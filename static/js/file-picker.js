/* File fields in the page's language. The browser draws its own file button and "No file chosen"
   in the browser's language, so form_fields.html hides the input (it stays focusable) and puts a
   label of ours beside it as the button; this script shows the names of the chosen files, or
   the page's "no file chosen", under it. A file, not an inline script: the site's
   Content-Security-Policy refuses inline scripts. Without it the label still opens the picker. */
(function () {
  "use strict";
  var SELECTOR = ".file-picker input[type=file]";

  function showChosen(input) {
    var line = document.getElementById(input.id + "_chosen");
    if (!line) {
      return;
    }
    var names = Array.prototype.map.call(input.files || [], function (file) {
      return file.name;
    });
    line.textContent = names.length ? names.join(line.dataset.separator) : line.dataset.empty;
    line.classList.toggle("file-picker__chosen--some", names.length > 0);
    line.hidden = false;
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches(SELECTOR)) {
      showChosen(event.target);
    }
  });
  // Files chosen before the script ran (or kept by the back button) are named too.
  Array.prototype.forEach.call(document.querySelectorAll(SELECTOR), showChosen);
})();
