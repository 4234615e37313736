// Dashboard charts: each <canvas data-chart="ID"> is drawn from the JSON in the element with that
// id (a json_script block, which the CSP allows since it is data, not code). Redrawn after htmx
// swaps a dashboard's body when a filter changes.
(function () {
  "use strict";
  var drawn = new WeakMap();

  function draw(canvas) {
    if (!window.Chart || drawn.has(canvas)) { return; }
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    var horizontal = spec.kind === "hbar";
    var stacked = spec.kind === "stacked";
    var type = spec.kind === "line" ? "line" : "bar";
    var chart = new window.Chart(canvas, {
      type: type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d) {
          return { label: d.label, data: d.data, backgroundColor: d.color, borderColor: d.color, tension: 0.2, spanGaps: true };
        })
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: spec.datasets.length > 1, position: "bottom" } },
        scales: {
          x: { stacked: stacked, beginAtZero: true, max: horizontal && spec.unit === "%" ? 100 : undefined },
          y: { stacked: stacked, beginAtZero: true, max: !horizontal && spec.unit === "%" ? 100 : undefined }
        }
      }
    });
    drawn.set(canvas, chart);
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(draw);
  }
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawAll(event.target); });
})();
