/* Progressive enhancement for the bakery pages. Every page also works without this file. */
(function () {
  "use strict";

  /* Forms marked "once" submit at most once: a double tap sends one request. */
  function guardOnce(form) {
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (form.classList.contains("pos") && submitter && submitter.value.indexOf("checkout") !== 0) {
        return;
      }
      if (form.dataset.sending === "1") {
        event.preventDefault();
        return;
      }
      form.dataset.sending = "1";
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
        form.classList.add("sending");
      }, 0);
    });
  }

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form.once").forEach(function (form) {
      delete form.dataset.sending;
      form.classList.remove("sending");
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        b.disabled = b.classList.contains("sold-out");
      });
    });
  });

  /* Quantities as thousandths and prices as cents: exact integer arithmetic for the display. */
  function thousandths(text) {
    if (!text || !text.trim()) { return 0; }
    var match = /^\s*(\d+)(?:[.,](\d{0,3}))?\s*$/.exec(text || "");
    if (!match) { return null; }
    return parseInt(match[1], 10) * 1000 + parseInt(((match[2] || "") + "000").slice(0, 3), 10);
  }

  function formatQty(milli) {
    var whole = Math.floor(milli / 1000), frac = milli % 1000;
    return frac ? whole + "." + String(frac + 1000).slice(1).replace(/0+$/, "") : String(whole);
  }

  function formatMoney(cents) {
    var whole = Math.floor(cents / 100), rest = String(cents % 100 + 100).slice(1);
    return whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + rest;
  }

  function setupPos(form) {
    var lines = {};
    form.querySelectorAll(".cart-line").forEach(function (li) { lines[li.dataset.product] = li; });
    var totalEl = document.getElementById("cart-total");
    var checkout = document.getElementById("checkout");
    var empty = form.querySelector(".cart-empty");

    function recompute() {
      var total = 0, any = false;
      Object.keys(lines).forEach(function (id) {
        var li = lines[id], input = li.querySelector("input.qty");
        var milli = thousandths(input.value);
        var cell = li.querySelector("[data-line-total]");
        if (milli === null) { cell.textContent = "?"; li.hidden = false; any = true; return; }
        var cents = Math.round(milli * parseInt(li.dataset.priceCents, 10) / 1000);
        cell.textContent = milli ? formatMoney(cents) : "";
        if (milli > 0) { any = true; total += cents; }
        li.hidden = milli === 0 && !li.classList.contains("has-error");
        var button = form.querySelector('.product-button[data-product="' + id + '"]');
        if (button) {
          var stock = thousandths(button.dataset.stock.replace(/^(\d+\.\d{0,3})\d*$/, "$1"));
          button.classList.toggle("at-limit", stock !== null && milli >= stock);
          var badge = button.querySelector(".p-in-cart");
          if (!badge) {
            badge = document.createElement("span");
            badge.className = "p-in-cart";
            button.appendChild(badge);
          }
          badge.textContent = milli > 0 ? formatQty(milli) + " in cart" : "";
        }
      });
      totalEl.textContent = formatMoney(total);
      checkout.textContent = any ? "Charge " + formatMoney(total) : "Charge";
      if (empty) { empty.hidden = any; }
    }

    function change(id, delta) {
      var li = lines[id];
      if (!li) { return; }
      var input = li.querySelector("input.qty");
      var milli = thousandths(input.value);
      if (milli === null) { milli = 0; }
      milli = Math.max(0, milli + delta * 1000);
      input.value = milli ? formatQty(milli) : "";
      recompute();
    }

    form.addEventListener("click", function (event) {
      var button = event.target.closest("button[type=submit]");
      if (!button || !form.contains(button)) { return; }
      var parts = button.value.split(":");
      if (parts[0] === "add" || parts[0] === "more") {
        event.preventDefault();
        if (!button.classList.contains("at-limit") || parts[0] === "more") { change(parts[1], 1); }
      } else if (parts[0] === "less") {
        event.preventDefault();
        change(parts[1], -1);
      } else if (parts[0] === "clear") {
        event.preventDefault();
        Object.keys(lines).forEach(function (id) { lines[id].querySelector("input.qty").value = ""; });
        recompute();
      }
    });
    form.addEventListener("input", recompute);
    /* Enter in a quantity field must not charge: it only updates the cart. */
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.matches("input.qty")) {
        event.preventDefault();
        recompute();
      }
    });
    recompute();
  }

  function setupIngredientRows() {
    var button = document.getElementById("add-ingredient");
    var template = document.getElementById("ingredient-template");
    var rows = document.getElementById("ingredient-rows");
    if (!button || !template || !rows) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var next = 0;
      rows.querySelectorAll(".ingredient-row").forEach(function (row) {
        next = Math.max(next, parseInt(row.dataset.index, 10) + 1);
      });
      var html = template.innerHTML.replace(/__i__/g, String(next));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      rows.appendChild(row);
      row.querySelector("select").focus();
    });
  }

  /* The recipe form's live cost per batch: each line's quantity, converted to the unit the
     material is kept in, at the price of its next batch. An estimate for the screen (the saved
     recipe shows the exact FIFO cost); the units mirror domain/units.py. */
  var UNITS = {
    mg: ["mass", 0.001], g: ["mass", 1], kg: ["mass", 1000], oz: ["mass", 28.349523125],
    lb: ["mass", 453.59237], ml: ["volume", 1], cl: ["volume", 10], dl: ["volume", 100],
    l: ["volume", 1000], pcs: ["count", 1], dozen: ["count", 12]
  };

  function lineCost(row) {
    var item = row.querySelector(".line-item");
    var qtyField = row.querySelector(".line-qty");
    var unitField = row.querySelector(".line-unit");
    if (!item || !item.value || !qtyField || !qtyField.value.trim()) { return 0; }
    var qty = Number(qtyField.value.trim().replace(",", "."));
    if (!isFinite(qty) || qty < 0) { return null; }
    var option = item.options[item.selectedIndex];
    var cost = Number(option.dataset.cost || "0");
    var kept = (option.dataset.unit || "").trim().toLowerCase();
    var given = unitField ? unitField.value : "";
    if (given && given !== kept) {
      var from = UNITS[given];
      var to = UNITS[kept];
      if (!from || !to || from[0] !== to[0]) { return null; }
      qty = qty * from[1] / to[1];
    }
    return qty * cost;
  }

  function setupRecipeCost(form) {
    var output = document.getElementById("batch-cost");
    if (!output) { return; }
    function recompute() {
      var total = 0;
      var unknown = false;
      form.querySelectorAll(".ingredient-row").forEach(function (row) {
        var cost = lineCost(row);
        if (cost === null) { unknown = true; } else { total += cost; }
      });
      output.textContent = (Math.round(total * 100) / 100).toFixed(2) +
        (unknown ? " (a line's unit does not convert)" : "");
    }
    form.addEventListener("input", recompute);
    form.addEventListener("change", recompute);
    recompute();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.once").forEach(guardOnce);
    var pos = document.getElementById("pos");
    if (pos) { setupPos(pos); }
    setupIngredientRows();
    var recipeForm = document.getElementById("recipe-form");
    if (recipeForm) { setupRecipeCost(recipeForm); }
  });
})();

/* Print buttons on printable reports (the Z report). */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();

/* Buttons marked data-print print the page (the bake plan, a delivery note). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target instanceof Element && target.closest("[data-print]")) {
      window.print();
    }
  });
})();
