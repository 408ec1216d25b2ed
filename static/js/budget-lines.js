/* The application form's budget, in the browser: "add a line" buttons (without this script,
   "Save and add more lines" does the same), each line's cost and the totals as they are typed.
   Money is counted in whole fen (integers), never in floating-point yuan; the server recomputes
   everything on saving. A file, not an inline script: the site's Content-Security-Policy
   refuses inline scripts. */
(function () {
  "use strict";

  // "1,234.5" → 123450 fen; null when it is not an amount.
  function fen(text) {
    var cleaned = String(text || "").replace(/[,，¥￥元\s]/g, "");
    var match = /^(\d+)(?:\.(\d{0,2}))?$/.exec(cleaned);
    if (!match) {
      return null;
    }
    return parseInt(match[1], 10) * 100 + parseInt(((match[2] || "") + "00").slice(0, 2), 10);
  }

  function yuan(amount) {
    var whole = Math.floor(amount / 100);
    var cents = String(amount % 100);
    return whole + "." + (cents.length < 2 ? "0" + cents : cents);
  }

  function field(line, name) {
    return line.querySelector("input[name$='-" + name + "']");
  }

  function recompute(form) {
    var totals = { requested: 0, cofunded: 0, cost: 0 };
    form.querySelectorAll("[data-formset=lines] [data-line]").forEach(function (line) {
      var removed = field(line, "DELETE");
      var unit = fen(field(line, "unit_cost").value);
      var quantity = /^\d+$/.test(field(line, "quantity").value.trim())
        ? parseInt(field(line, "quantity").value, 10)
        : null;
      var cost = unit !== null && quantity !== null ? unit * quantity : null;
      line.querySelector("[data-line-cost]").textContent = cost === null ? "—" : yuan(cost);
      if (removed && removed.checked) {
        return;
      }
      totals.cost += cost || 0;
      totals.requested += fen(field(line, "requested").value) || 0;
      totals.cofunded += fen(field(line, "cofunded").value) || 0;
    });
    Object.keys(totals).forEach(function (name) {
      var output = form.querySelector("[data-total=" + name + "]");
      if (output) {
        output.textContent = yuan(totals[name]);
      }
    });
    var box = form.querySelector("[data-ceiling]");
    var over = form.querySelector("[data-over]");
    if (box && over) {
      over.hidden = totals.requested <= fen(box.dataset.ceiling);
    }
  }

  function addRow(form, prefix) {
    var total = form.querySelector("input[name=" + prefix + "-TOTAL_FORMS]");
    var template = document.getElementById(prefix + "-empty");
    var list = form.querySelector("[data-formset=" + prefix + "]");
    if (!total || !template || !list) {
      return;
    }
    var index = parseInt(total.value, 10);
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var row = holder.firstElementChild;
    list.appendChild(row);
    total.value = String(index + 1);
    var first = row.querySelector("input:not([type=hidden])");
    if (first) {
      first.focus();
    }
  }

  document.querySelectorAll("form.application-form").forEach(function (form) {
    form.querySelectorAll("[data-add-row]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        addRow(form, button.dataset.addRow);
        recompute(form);
      });
    });
    form.addEventListener("input", function () {
      recompute(form);
    });
    form.addEventListener("change", function () {
      recompute(form);
    });
    recompute(form);
  });
})();
