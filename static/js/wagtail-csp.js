/* Wagtail's date and time pickers and inline panels, started from this file instead of inline
   scripts, so the admin runs under a Content-Security-Policy that refuses inline scripts.
   Our copies of Wagtail's templates (templates/wagtailadmin/widgets, …/panels) put
   <script src="…/wagtail-csp.js" data-init="…"> where Wagtail writes an inline script; the
   browser runs this file once for each such tag, at the same moment it ran the inline one. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) {
    return;
  }
  var data = script.dataset;
  switch (data.init) {
    case "date":
      window.initDateChooser(data.id, JSON.parse(data.config));
      break;
    case "time":
      window.initTimeChooser(data.id, JSON.parse(data.config));
      break;
    case "datetime":
      window.initDateTimeChooser(data.id, JSON.parse(data.config));
      break;
    case "inline-panel":
      new window.InlinePanel(JSON.parse(data.options));
      break;
    case "multiple-chooser-panel":
      new window.MultipleChooserPanel(JSON.parse(data.options));
      break;
  }
})();
