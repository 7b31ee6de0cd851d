// Início: draws each chart from the numbers the page carries (json_script), with Chart.js.
// Without JavaScript (or Chart.js) the data tables beside the charts say the same.
(function () {
  "use strict";

  var COLORS = ["#0d6efd", "#fd7e14", "#198754", "#6f42c1"];

  function draw(container) {
    var source = document.getElementById(container.getAttribute("data-chart"));
    if (!source || !window.Chart) return;
    var data = JSON.parse(source.textContent);
    container.hidden = false;
    new window.Chart(container.querySelector("canvas"), {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (dataset, index) {
          return {
            label: dataset.label,
            data: dataset.data,
            backgroundColor: COLORS[index % COLORS.length],
          };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
        },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
})();
