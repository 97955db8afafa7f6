// @ts-check
// Charts of the report and the dashboard, drawn with uPlot (loaded before this file).
// Plain browser JavaScript, a classic script (the report inlines it, the dashboard serves it);
// typed by JSDoc and checked with the dashboard's modules (src/web/tsconfig.json).
/** @typedef {import('./globals.js').ModelKey} ModelKey */
/** @typedef {import('./globals.js').Point} Point */
/** @typedef {import('./globals.js').CurveKey} CurveKey */
/** @typedef {import('./api-types.js').PaperRow} PaperRow */
/** @typedef {import('./api-types.js').BoundCurve} BoundCurve */
/** @typedef {import('./api-types.js').LearningCurve} LearningCurve */
/** @typedef {import('uplot')} UPlot */
/** @typedef {import('uplot').Series} Series */
/** @typedef {import('uplot').AlignedData} AlignedData */
(() => {
  const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
  // One colour per series name for the whole page, in order of first use: the same model keeps
  // its colour in every chart (by position it would change with each chart's order).
  /** @type {Map<string, string>} */
  const colors = new Map();
  /** @param {string} name */
  const colorOf = (name) => {
    if (!colors.has(name)) colors.set(name, PALETTE[colors.size % PALETTE.length] ?? '#000');
    return colors.get(name) ?? '#000';
  };
  // Legend values: blank until the cursor is on a point (uPlot's default shows "--").
  /** @param {number} digits @returns {(u: UPlot, v: number | null) => string} */
  const legendValue = (digits) => (_u, v) => (v == null ? '' : Number.isInteger(v) ? String(v) : v.toFixed(digits));
  // Epochs are whole numbers: ticks at 1, 2, 5, 10… (uPlot's default steps give 1.25).
  const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
  // The fields that tell a config group from the sweep's others (learningRate=0.0003…), if any.
  /** @param {{ distinct?: Record<string, unknown> | null | undefined }} m @param {string} [skip] a field the name shows already */
  const distinctName = (m, skip) =>
    Object.entries(m.distinct || {})
      .filter(([f]) => f !== skip)
      .map(([f, v]) => ` ${f}=${Array.isArray(v) ? v.join('+') : v}`)
      .join('');
  /** @param {ModelKey} m */
  const modelName = (m) =>
    `${m.objective.toUpperCase()} ${m.layers}L ${m.samples ?? `K=${m.k}`}${m.latent !== 50 ? ` z=${m.latent}` : ''}${distinctName(m, 'm')}`;

  /** @type {Map<string, UPlot>} */
  const drawn = new Map();

  /**
   * Aligns series given as [{x, y}] points on one sorted x array (uPlot's data layout).
   * @param {Point[][]} seriesPoints
   * @returns {AlignedData}
   */
  function align(seriesPoints) {
    const xs = [...new Set(seriesPoints.flatMap((pts) => pts.map((p) => p.x)))].sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const ys = seriesPoints.map((pts) => {
      /** @type {(number | null)[]} */
      const y = new Array(xs.length).fill(null);
      for (const p of pts) y[index.get(p.x) ?? 0] = p.y;
      return y;
    });
    return [xs, ...ys];
  }

  /**
   * @param {HTMLElement} el
   * @param {{ title: string, xLabel: string, yLabel: string, logX: boolean, integerX?: boolean, series: Series[], data: AlignedData, height?: number }} opts
   * @returns {UPlot}
   */
  function plot(el, { title, xLabel, yLabel, logX, integerX, series, data, height }) {
    el.innerHTML = '';
    const width = Math.max(320, Math.min(el.clientWidth || 760, 980));
    const chart = new uPlot(
      {
        title,
        width,
        height: height || 320,
        scales: { x: logX ? { time: false, distr: 3 } : { time: false } },
        axes: [
          integerX ? { label: xLabel, incrs: INTEGER_STEPS, values: (_u, ticks) => ticks.map(String) } : { label: xLabel },
          { label: yLabel, size: 70 },
        ],
        legend: { live: true },
        series: [{ label: xLabel, value: legendValue(0) }, ...series.map((s) => ({ value: legendValue(2), ...s }))],
      },
      data,
      el,
    );
    // Kept by element id, so that a page (or a test) can read back what was drawn.
    drawn.set(el.id, chart);
    return chart;
  }

  /**
   * Test NLL against the training K, one line per model family (layers × objective × latent).
   * @param {HTMLElement} el
   * @param {PaperRow[]} paperTable
   */
  function nllVsK(el, paperTable) {
    /** @type {Map<string, Point[]>} */
    const groups = new Map();
    for (const r of paperTable) {
      const key = `${r.objective.toUpperCase()} ${r.layers}L${r.latent !== 50 ? ` z=${r.latent}` : ''}${distinctName(r)}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)?.push({ x: r.k, y: r.nllMean });
    }
    const names = [...groups.keys()];
    const data = align(names.map((n) => groups.get(n) ?? []));
    return plot(el, {
      title: 'Test NLL (−L_evalK) against the training K',
      xLabel: 'K (training samples)',
      yLabel: 'nats',
      logX: true,
      data,
      series: names.map((n) => ({ label: n, stroke: colorOf(n), width: 2, spanGaps: true, points: { size: 7 } })),
    });
  }

  /**
   * Test bound L_k against the evaluation k: every point a lower bound of log p(x).
   * @param {HTMLElement} el
   * @param {BoundCurve[]} curves
   */
  function boundVsK(el, curves) {
    const shown = curves.slice(0, 10);
    const data = align(shown.map((c) => c.points.map((p) => ({ x: p.k, y: p.bound }))));
    return plot(el, {
      title: 'Test bound L_k against the evaluation k (mean over seeds)',
      xLabel: 'k',
      yLabel: 'nats',
      logX: true,
      data,
      series: shown.map((c) => ({
        label: modelName(c),
        stroke: colorOf(modelName(c)),
        width: 1.5,
        spanGaps: true,
        points: { show: true, size: 7, fill: colorOf(modelName(c)) },
      })),
      height: 380,
    });
  }

  /**
   * One figure per epoch (mean over seeds), one line per model: `key` picks the figure
   * (trainBound, trainElbo, trainIwae or validationBound), `title` names it exactly.
   * @param {HTMLElement} el
   * @param {LearningCurve[]} curves
   * @param {{ key?: CurveKey, title?: string }} [opts]
   */
  function learningCurves(el, curves, { key = 'trainBound', title = 'Training objective per epoch' } = {}) {
    const data = align(curves.map((c) => c.epochs.map((e, i) => ({ x: e, y: c[key][i] ?? null })).filter((p) => p.y !== null)));
    return plot(el, {
      title,
      xLabel: 'epoch',
      yLabel: 'nats',
      logX: false,
      integerX: true,
      data,
      series: curves.map((c) => ({
        label: modelName(c),
        stroke: colorOf(modelName(c)),
        width: 1.5,
        spanGaps: true,
        points: { size: 4 },
      })),
    });
  }

  /**
   * Several figures of one trial per epoch: `figures` is [[key, label], …] over `epochs` rows.
   * @template {string} K
   * @param {HTMLElement} el
   * @param {({ epoch: number } & Partial<Record<K, number | null>>)[]} epochs
   * @param {[K, string][]} figures
   */
  function figuresPerEpoch(el, epochs, figures) {
    const data = align(
      figures.map(([key]) => epochs.map((e) => ({ x: e.epoch, y: e[key] ?? null })).filter((p) => p.y !== null)),
    );
    return plot(el, {
      title: 'Bounds per epoch',
      xLabel: 'epoch',
      yLabel: 'nats',
      logX: false,
      integerX: true,
      data,
      series: figures.map(([, label]) => ({ label, stroke: colorOf(label), width: 1.5, spanGaps: true, points: { size: 4 } })),
    });
  }

  window.IwaeCharts = {
    drawn,
    nllVsK,
    boundVsK,
    learningCurves,
    figuresPerEpoch,
    align,
    modelName,
    colorOf,
    INTEGER_STEPS,
  };
})();
