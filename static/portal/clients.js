// The Clientes screen. Everything here is an enhancement: without JavaScript the Link
// details open inside their cell (<details>) and "Visualizar" opens the codes page.
(function () {
  "use strict";

  // Link details: show each row's details in a full-width row under it.
  function enhanceLinkDetails(root) {
    root.querySelectorAll("details.link-details").forEach(function (details, index) {
      var row = details.closest("tr");
      var body = details.querySelector(".link-details-body");
      if (!row || !body) return;
      var detailsRow = document.createElement("tr");
      detailsRow.className = "link-details-row";
      detailsRow.id = "detalhes-link-" + index;
      detailsRow.hidden = !details.open;
      var cell = document.createElement("td");
      cell.colSpan = row.cells.length;
      cell.appendChild(body);
      detailsRow.appendChild(cell);
      row.after(detailsRow);
      details.querySelector("summary").setAttribute("aria-controls", detailsRow.id);
      details.addEventListener("toggle", function () {
        detailsRow.hidden = !details.open;
        row.classList.toggle("is-expanded", details.open);
      });
    });
  }

  // "Visualizar": load the unused registration codes into the dialog.
  function enhanceCodesDialog() {
    var trigger = document.querySelector("[data-codes-dialog]");
    if (!trigger || !window.bootstrap) return;
    var dialog = document.querySelector(trigger.getAttribute("data-codes-dialog"));
    var body = dialog.querySelector("[data-codes-dialog-body]");
    var modal = window.bootstrap.Modal.getOrCreateInstance(dialog);

    function load(url) {
      body.setAttribute("aria-busy", "true");
      return fetch(url, { headers: { "X-Fragment": "1" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.text();
        })
        .then(function (html) {
          body.innerHTML = html;
        })
        .catch(function () {
          body.innerHTML =
            '<p class="text-danger mb-0">Não foi possível carregar os códigos. Tente novamente.</p>';
        })
        .finally(function () {
          body.removeAttribute("aria-busy");
        });
    }

    // Bootstrap gives the focus back only to a data-bs-toggle opener: give it to Visualizar.
    dialog.addEventListener("hidden.bs.modal", function () {
      trigger.focus();
    });
    trigger.addEventListener("click", function (event) {
      event.preventDefault();
      modal.show();
      load(trigger.href);
    });
    body.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-codes-page]");
      if (!link) return;
      event.preventDefault();
      load(link.href);
    });
  }

  // The filters start open on a wide screen; on a phone they wait for a tap.
  function openFiltersOnWideScreens() {
    var filters = document.querySelector("details[data-open-on-wide-screens]");
    if (filters && window.matchMedia("(min-width: 992px)").matches) filters.open = true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    openFiltersOnWideScreens();
    enhanceLinkDetails(document);
    enhanceCodesDialog();
  });
})();
