// Bulk actions on Clientes and Renovação: "selecionar todos desta página" and the count of
// ticked rows. Without JavaScript each row's checkbox still works.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("bulk-form");
    if (!form) return;
    var boxes = Array.prototype.slice.call(
      document.querySelectorAll('input[type="checkbox"][name="id"][form="bulk-form"]')
    );
    var all = document.querySelector("[data-select-page]");
    var counter = form.querySelector("[data-selected-count]");

    function update() {
      var ticked = boxes.filter(function (box) { return box.checked; }).length;
      if (counter) counter.textContent = ticked ? " (" + ticked + ")" : "";
      if (all) {
        all.checked = ticked > 0 && ticked === boxes.length;
        all.indeterminate = ticked > 0 && ticked < boxes.length;
      }
    }

    if (all && boxes.length) {
      all.hidden = false;
      all.addEventListener("change", function () {
        boxes.forEach(function (box) { box.checked = all.checked; });
        update();
      });
    }
    boxes.forEach(function (box) { box.addEventListener("change", update); });
    update();
  });
})();
