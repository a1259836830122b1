/* Sahayatri statistics: draws the dashboard's charts with the vendored Chart.js.
 *
 * The figures come from the page (<script type="application/json" id="dashboard-data">), the
 * same ones as the tables under each chart, so the page works without this script too.
 * Devanagari labels: the bundled Noto Sans Devanagari is loaded before drawing (a canvas does
 * not redraw when a web font arrives later), and every chart uses the page's font stack.
 */
(function () {
  "use strict";

  // Okabe–Ito: told apart by people with colour-blindness, and in greyscale print.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                 "#F0E442", "#000000", "#999999", "#7F3C8D", "#11A579", "#3969AC"];
  var DEVANAGARI = "U+0900-097F, U+1CD0-1CF9, U+200C-200D, U+20A8, U+20B9, U+25CC, U+A830-A839, U+A8E0-A8FF";
  var FAMILY = '"Sahayatri Devanagari", system-ui, "Noto Sans", "Noto Sans Devanagari", sans-serif';

  function loadFont(url) {
    if (!url || !window.FontFace || !document.fonts) return Promise.resolve();
    var face = new FontFace("Sahayatri Devanagari", "url(" + url + ")", { unicodeRange: DEVANAGARI });
    document.fonts.add(face);
    return face.load().catch(function () { /* the system's Devanagari font then */ });
  }

  function narrow() { return window.matchMedia("(max-width: 640px)").matches; }

  function boxHeight(spec) {
    if (spec.horizontal) {
      var perBar = spec.stacked ? 30 : 26;
      return Math.max(180, spec.labels.length * perBar + (spec.datasets.length > 1 ? 90 : 50));
    }
    return narrow() ? 240 : 280;
  }

  function draw(spec, box) {
    box.style.height = boxHeight(spec) + "px";
    var horizontal = Boolean(spec.horizontal);
    var single = spec.datasets.length === 1;
    var datasets = spec.datasets.map(function (dataset, i) {
      var colour = PALETTE[i % PALETTE.length];
      var shaped = { label: dataset.label, data: dataset.data, backgroundColor: colour, borderColor: colour };
      if (spec.type === "line") {
        shaped.fill = false;
        shaped.spanGaps = true;
        shaped.tension = 0.2;
        shaped.pointRadius = 3;
      }
      return shaped;
    });
    var valueAxis = horizontal ? "x" : "y";
    var scales = {};
    scales[valueAxis] = { beginAtZero: true, stacked: Boolean(spec.stacked), ticks: { precision: 0 },
                          title: { display: !narrow(), text: spec.unit } };
    scales[horizontal ? "y" : "x"] = { stacked: Boolean(spec.stacked),
                                       ticks: { autoSkip: !horizontal, maxRotation: 0 } };
    var canvas = box.querySelector("canvas");
    var chart = new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: { display: !single, position: "bottom", labels: { boxWidth: 12 } },
          tooltip: { mode: horizontal ? "y" : "index", intersect: false },
        },
        scales: scales,
      },
    });
    box.dataset.drawn = "true";
    return chart;
  }

  function start() {
    var data = document.getElementById("dashboard-data");
    var holder = document.getElementById("charts");
    if (!data || !holder || !window.Chart) return;
    var specs = JSON.parse(data.textContent);
    window.Chart.defaults.font.family = FAMILY;
    window.Chart.defaults.font.size = narrow() ? 11 : 12;
    window.Chart.defaults.color = "#1d2430";
    loadFont(holder.dataset.fontUrl).then(function () {
      var drawn = 0;
      specs.forEach(function (spec) {
        var box = document.querySelector("#chart-" + spec.id + " .canvas-box");
        if (box) { draw(spec, box); drawn += 1; }
      });
      holder.dataset.charts = String(drawn); // for the browser test: every chart is drawn
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
