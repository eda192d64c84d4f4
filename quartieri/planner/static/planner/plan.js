// Reach curves of the planner page: data from the json_script block "planner-curves",
// one canvas per recommended channel (each has a table alternative next to it).
(function () {
  "use strict";
  var source = document.getElementById("planner-curves");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var curves = JSON.parse(source.textContent || "{}");
  document.querySelectorAll("canvas.planner-curve").forEach(function (canvas) {
    var scenario = curves[canvas.dataset.scenario] || {};
    var points = scenario[canvas.dataset.channel] || [];
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: points.map(function (p) { return Math.round(p.x).toLocaleString(); }),
        datasets: [{
          label: canvas.dataset.label,
          data: points.map(function (p) { return p.reach; }),
          borderColor: "#0066cc",
          backgroundColor: "rgba(0, 102, 204, 0.1)",
          fill: true,
          tension: 0.2
        }]
      },
      options: {
        animation: false,
        plugins: { legend: { display: true } },
        scales: {
          x: { title: { display: true, text: canvas.dataset.unit } },
          y: { beginAtZero: true }
        }
      }
    });
  });
})();
