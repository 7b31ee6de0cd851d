// A job's page (templates/jobs/job.html): while the job is queued or running, ask the server
// how far it got every second and move the <progress>; when it ends, load the page again to
// show the outcome. Without JavaScript the page refreshes itself (<noscript> meta refresh).
(function () {
  "use strict";
  const section = document.getElementById("job");
  if (!section || !section.hasAttribute("data-active")) return;
  const url = section.getAttribute("data-status-url");
  const bar = document.getElementById("job-progress");
  const state = document.getElementById("job-state");
  const percent = section.querySelector("[data-job-percent]");
  const number = new Intl.NumberFormat("pt-BR");

  function show(job) {
    if (job.total) {
      bar.max = job.total;
      bar.value = job.feitos;
    }
    bar.textContent = job.porcentagem + "%";
    if (percent) percent.textContent = job.porcentagem;
    if (job.estado === "executando") {
      state.innerHTML = "";
      const strong = document.createElement("strong");
      strong.textContent = "Em andamento" + (job.etapa ? " (" + job.etapa + ")" : "") + ":";
      state.append(strong, " " + number.format(job.feitos) +
        (job.total ? " de " + number.format(job.total) : "") +
        ". Pode sair desta página; a tarefa continua.");
    }
  }

  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
      if (response.ok) {
        const job = await response.json();
        if (!job.ativa) {
          window.location.reload();
          return;
        }
        show(job);
      }
    } catch (error) {
      // A network hiccup: the next poll tries again.
    }
    window.setTimeout(poll, 1000);
  }

  window.setTimeout(poll, 1000);
})();
