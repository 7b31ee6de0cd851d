// The client form (Editar, Reativar, + Novo cliente). Progressive: without JavaScript the
// server still offers the UF's cities and checks the city and the modules on save.
// - Cidade: when the UF changes, the suggestions (<datalist id="city-options">) become that
//   UF's municipalities, fetched once per UF from the form's data-cities-url.
// - Produto: while Navi is chosen, the Link-only modules are hidden and not sent.
(function () {
  "use strict";
  const form = document.getElementById("client-form");
  if (!form) return;

  const uf = form.querySelector("select[name=uf]");
  const datalist = document.getElementById("city-options");
  const citiesByUf = {};

  async function showCitiesOf(chosen) {
    if (!chosen) {
      datalist.replaceChildren();
      return;
    }
    if (!citiesByUf[chosen]) {
      const url = form.dataset.citiesUrl + "?uf=" + encodeURIComponent(chosen);
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      citiesByUf[chosen] = (await response.json()).cidades;
    }
    if (uf.value !== chosen) return; // the UF changed again meanwhile
    datalist.replaceChildren(
      ...citiesByUf[chosen].map(function (name) {
        const option = document.createElement("option");
        option.value = name;
        return option;
      })
    );
  }

  if (uf && datalist) {
    uf.addEventListener("change", function () {
      showCitiesOf(uf.value);
    });
  }

  const products = form.querySelectorAll("input[name=product]");
  function toggleLinkOnly() {
    const chosen = form.querySelector("input[name=product]:checked");
    const navi = chosen !== null && chosen.value === "navi";
    form.querySelectorAll(".link-only").forEach(function (block) {
      block.classList.toggle("d-none", navi);
      block.querySelectorAll("input").forEach(function (input) {
        input.disabled = navi;
      });
    });
  }
  products.forEach(function (radio) {
    radio.addEventListener("change", toggleLinkOnly);
  });
  if (products.length) toggleLinkOnly();
})();
