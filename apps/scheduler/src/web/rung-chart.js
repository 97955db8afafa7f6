// @ts-check
// The "rungs" plot of early-stopped sweeps: each trial's validation bound per epoch, the rungs
// marked, the trials the rule stopped greyed with its reason on their legend entry (hover). A
// classic script like charts.js (loaded after it): the report inlines it, the dashboard serves it.
/** @typedef {import('./rung-types.js').RungData} RungData */
(() => {
  const STOPPED = '#b8b8b8';

  /**
   * @param {HTMLElement} el
   * @param {RungData} rungs
   */
  function rungChart(el, rungs) {
    el.innerHTML = '';
    const curves = rungs.curves.filter((c) => c.epochs.length > 0);
    const data = IwaeCharts.align(curves.map((c) => c.epochs.map((e, i) => ({ x: e, y: c.validationBound[i] ?? null }))));
    // A trial takes its model's colour, as in the other charts; a stopped one is grey, drawn thin.
    const series = curves.map((c) => ({
      label: `${c.label}${c.stop ? ` — stopped at rung ${c.stop.rung + 1} (epoch ${c.stop.epoch})` : ''}`,
      stroke: c.stop ? STOPPED : IwaeCharts.colorOf(IwaeCharts.modelName(c.model)),
      width: c.stop ? 1 : 1.75,
      spanGaps: true,
      // Always drawn: a trial stopped at the first rung has a single point, no line.
      points: { show: true, size: c.stop ? 6 : 4, ...(c.stop ? { stroke: STOPPED, fill: STOPPED } : {}) },
      value: (/** @type {unknown} */ _u, /** @type {number | null} */ v) => (v == null ? '' : v.toFixed(2)),
    }));
    const marks = rungs.rungEpochs;
    const chart = new uPlot(
      {
        title: 'Rungs: validation bound per epoch of each trial (dashed: rungs; grey: stopped by the rule)',
        width: Math.max(320, Math.min(el.clientWidth || 760, 980)),
        height: 360,
        // Half an epoch of room each side: the first rung is often epoch 1, the first point.
        scales: { x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] } },
        axes: [
          { label: 'epoch', incrs: IwaeCharts.INTEGER_STEPS, values: (_u, ticks) => ticks.map(String) },
          { label: 'validation L_k (nats)', size: 70 },
        ],
        legend: { live: true },
        series: [{ label: 'epoch', value: (_u, v) => (v == null ? '' : String(v)) }, ...series],
        hooks: {
          // The rungs: a dashed line at each rung epoch, named at the top.
          draw: [
            (u) => {
              const ctx = u.ctx;
              ctx.save();
              ctx.strokeStyle = '#888';
              ctx.fillStyle = '#666';
              ctx.lineWidth = devicePixelRatio;
              ctx.setLineDash([5 * devicePixelRatio, 4 * devicePixelRatio]);
              ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
              marks.forEach((epoch, i) => {
                // On a pixel's centre: a 1-pixel line stays one crisp pixel wide.
                const x = Math.round(u.valToPos(epoch, 'x', true)) + 0.5;
                if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
                ctx.beginPath();
                ctx.moveTo(x, u.bbox.top);
                ctx.lineTo(x, u.bbox.top + u.bbox.height);
                ctx.stroke();
                ctx.fillText(`rung ${i + 1}`, x + 3 * devicePixelRatio, u.bbox.top + 12 * devicePixelRatio);
              });
              ctx.restore();
            },
          ],
        },
      },
      data,
      el,
    );
    // The rule's words for each stopped trial, on hover over its legend entry.
    const entries = el.querySelectorAll('.u-legend .u-series');
    curves.forEach((c, i) => {
      const entry = entries[i + 1];
      if (!(entry instanceof HTMLElement)) return;
      entry.dataset.trial = c.trial;
      if (c.stop) {
        entry.title = c.stop.reason;
        entry.classList.add('rung-stopped');
      }
    });
    el.dataset.rungs = marks.join(',');
    IwaeCharts.drawn.set(el.id, chart);
    return chart;
  }

  window.IwaeRungChart = { rungChart, STOPPED };
})();
