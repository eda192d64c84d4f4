// Charts of the measurement pages: each canvas names its data in the json_script block
// "analytics-charts" (Chart.js config parts); the table next to each gives the same figures.
(function () {
  "use strict";
  var source = document.getElementById("analytics-charts");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  var charts = JSON.parse(source.textContent || "{}");
  var palette = ["#0066cc", "#d1344c", "#008055", "#995c00", "#5c2f91", "#3d4955"];
  document.querySelectorAll("canvas.analytics-chart").forEach(function (canvas) {
    var spec = charts[canvas.dataset.chart];
    if (!spec) {
      return;
    }
    new window.Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (dataset, index) {
          var colour = palette[index % palette.length];
          return {
            label: dataset.label,
            data: dataset.data,
            borderColor: colour,
            backgroundColor: colour,
            fill: false,
            tension: 0.2,
            pointRadius: spec.type === "line" ? 0 : 3
          };
        })
      },
      options: {
        animation: false,
        plugins: { legend: { display: true } },
        scales: { y: { beginAtZero: true } }
      }
    });
  });
})();
