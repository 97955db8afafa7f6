// @ts-check
// The gradient SNR against K on log-log axes, one line per estimator and its fitted power law
// (dashed). A classic script like charts.js (loaded after it; the report inlines both), typed by
// JSDoc and checked with the dashboard's modules.
/** @typedef {import('../report/estimator-data.ts').SnrSeries} SnrSeries */
/** @typedef {import('uplot').Series} Series */
(() => {
  /** @param {number} v */
  const signed = (v) => `${v < 0 ? '−' : '+'}${Math.abs(v).toFixed(2)}`;

  /**
   * SNR (mean over parameters) of one part against K: per series its points and its fit.
   * @param {HTMLElement} el
   * @param {SnrSeries[]} series
   * @param {'encoder' | 'decoder'} part
   */
  function snrVsK(el, series, part) {
    /** @type {{ label: string, color: string, fit: boolean, points: { x: number, y: number }[] }[]} */
    const lines = [];
    for (const s of series) {
      const p = s[part];
      if (p.points.length === 0) continue;
      const color = IwaeCharts.colorOf(s.series);
      const fit = p.fit;
      const slope = fit ? ` — slope ${signed(fit.slope)}${fit.slopeSe === null ? '' : ` ± ${fit.slopeSe.toFixed(2)}`}` : '';
      lines.push({ label: `${s.series}${slope}`, color, fit: false, points: p.points.map((q) => ({ x: q.k, y: q.snr })) });
      if (fit) {
        const y = (/** @type {number} */ k) => Math.exp(fit.intercept) * k ** fit.slope;
        lines.push({ label: `fit: ${s.series}`, color, fit: true, points: p.points.map((q) => ({ x: q.k, y: y(q.k) })) });
      }
    }
    el.innerHTML = '';
    /** @type {Series[]} */
    const shown = lines.map((l) => ({
      label: l.label,
      stroke: l.color,
      width: l.fit ? 1 : 2,
      spanGaps: true,
      ...(l.fit ? { dash: [6, 4], points: { show: false } } : { points: { show: true, size: 7, fill: l.color } }),
      value: (_u, v) => (v == null ? '' : v.toPrecision(3)),
    }));
    const chart = new uPlot(
      {
        title: `${part === 'encoder' ? 'Encoder' : 'Decoder'} gradient SNR against K (log-log, mean over parameters)`,
        width: Math.max(320, Math.min(el.clientWidth || 760, 980)),
        height: 340,
        scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
        axes: [{ label: 'K (samples, per group for miwae/piwae)' }, { label: 'SNR |E g| / sd g', size: 70 }],
        legend: { live: true },
        // Legend values blank until the cursor is on a point (uPlot's default shows "--").
        series: [{ label: 'K', value: (_u, v) => (v == null ? '' : String(v)) }, ...shown],
      },
      IwaeCharts.align(lines.map((l) => l.points)),
      el,
    );
    // Kept by element id with the other charts, so that a page (or a test) can read back what was drawn.
    IwaeCharts.drawn.set(el.id, chart);
    return chart;
  }

  window.IwaeSnrChart = { snrVsK };
})();
