/* Chart.js (a global from the vendored UMD build) charts, updated in place. */

const charts = {};

export function chart(canvasId, config) {
  const canvas = document.getElementById(canvasId);
  if (!canvas || typeof globalThis.Chart === "undefined") { return null; }
  if (charts[canvasId]) {
    charts[canvasId].data = config.data;
    if (config.options) { charts[canvasId].options = config.options; }
    charts[canvasId].update("none");
    return charts[canvasId];
  }
  config.options = config.options || {};
  config.options.animation = false;
  config.options.responsive = true;
  config.options.maintainAspectRatio = false;
  charts[canvasId] = new globalThis.Chart(canvas, config);
  return charts[canvasId];
}

export function barOptions(extra) {
  const o = { plugins: { legend: { display: true } }, scales: { y: { beginAtZero: true } } };
  return Object.assign(o, extra || {});
}
