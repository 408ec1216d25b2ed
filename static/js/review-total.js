/* The review form's weighted total, shown as the reviewer fills it in: the sum of score × weight
   over the criteria scored so far, divided by 10, as the server computes it
   (projects.reviews.weighted_total). A file, not an inline script: the site's
   Content-Security-Policy refuses inline scripts. Without it the preview step shows the total
   before the review is submitted. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-review-form]");
  var box = document.getElementById("review-total-box");
  if (!form || !box) {
    return;
  }
  var total = document.getElementById("review-total");
  var progress = document.getElementById("review-progress");
  var inputs = form.querySelectorAll("input[data-weight]");

  function scoreOf(input) {
    var text = input.value.trim();
    if (!/^\d{1,2}$/.test(text)) {
      return null;
    }
    var score = Number(text);
    return score <= 10 ? score : null;
  }

  function update() {
    var points = 0;
    var scored = 0;
    Array.prototype.forEach.call(inputs, function (input) {
      var score = scoreOf(input);
      input.classList.toggle("score-input--invalid", input.value.trim() !== "" && score === null);
      if (score !== null) {
        points += score * Number(input.dataset.weight);
        scored += 1;
      }
    });
    // Integers until the last step: the tenth is exact, as on the server.
    total.textContent = Math.floor(points / 10) + "." + (points % 10);
    progress.textContent = progress.dataset.template.replace("{scored}", scored);
  }

  form.addEventListener("input", update);
  update();
  box.hidden = false;
})();
