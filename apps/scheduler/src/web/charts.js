// Charts of the report and the dashboard, drawn with uPlot (loaded before this file).
// Plain browser JavaScript: the report inlines it, the dashboard serves it.
(() => {
  const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
  // One colour per series name for the whole page, in order of first use: the same model keeps
  // its colour in every chart (by position it would change with each chart's order).
  const colors = new Map();
  const colorOf = (name) => {
    if (!colors.has(name)) colors.set(name, PALETTE[colors.size % PALETTE.length]);
    return colors.get(name);
  };
  // Legend values: blank until the cursor is on a point (uPlot's default shows "--").
  const legendValue = (digits) => (_u, v) => (v == null ? '' : Number.isInteger(v) ? String(v) : v.toFixed(digits));
  // Epochs are whole numbers: ticks at 1, 2, 5, 10… (uPlot's default steps give 1.25).
  const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
  // The fields that tell a config group from the sweep's others (learningRate=0.0003…), if any.
  const distinctName = (m) =>
    Object.entries(m.distinct || {})
      .map(([f, v]) => ` ${f}=${Array.isArray(v) ? v.join('+') : v}`)
      .join('');
  const modelName = (m) =>
    `${m.objective.toUpperCase()} ${m.layers}L K=${m.k}${m.latent !== 50 ? ` z=${m.latent}` : ''}${distinctName(m)}`;

  /** Aligns series given as [{x, y}] points on one sorted x array (uPlot's data layout). */
  function align(seriesPoints) {
    const xs = [...new Set(seriesPoints.flatMap((pts) => pts.map((p) => p.x)))].sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const ys = seriesPoints.map((pts) => {
      const y = new Array(xs.length).fill(null);
      for (const p of pts) y[index.get(p.x)] = p.y;
      return y;
    });
    return [xs, ...ys];
  }

  function plot(el, { title, xLabel, yLabel, logX, integerX, series, data, height }) {
    el.innerHTML = '';
    const width = Math.max(320, Math.min(el.clientWidth || 760, 980));
    return new uPlot(
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
  }

  /** Test NLL against the training K, one line per model family (layers × objective × latent). */
  function nllVsK(el, paperTable) {
    const groups = new Map();
    for (const r of paperTable) {
      const key = `${r.objective.toUpperCase()} ${r.layers}L${r.latent !== 50 ? ` z=${r.latent}` : ''}${distinctName(r)}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push({ x: r.k, y: r.nllMean });
    }
    const names = [...groups.keys()];
    const data = align(names.map((n) => groups.get(n)));
    return plot(el, {
      title: 'Test NLL (−L_evalK) against the training K',
      xLabel: 'K (training samples)',
      yLabel: 'nats',
      logX: true,
      data,
      series: names.map((n) => ({ label: n, stroke: colorOf(n), width: 2, spanGaps: true, points: { size: 7 } })),
    });
  }

  /** Test bound L_k against the evaluation k, with the fitted a − b/k curve of each model. */
  function boundVsK(el, curves) {
    const shown = curves.slice(0, 10);
    const ks = [...new Set(shown.flatMap((c) => c.points.map((p) => p.k)))].sort((a, b) => a - b);
    const lo = Math.log(ks[0] || 1);
    const hi = Math.log(ks[ks.length - 1] || 1);
    const grid = [...new Set([...ks, ...Array.from({ length: 40 }, (_, i) => Math.round(Math.exp(lo + ((hi - lo) * i) / 39)))])];
    const pointSeries = shown.map((c) => c.points.map((p) => ({ x: p.k, y: p.bound })));
    const fitSeries = shown.map((c) => (c.fit ? grid.map((k) => ({ x: k, y: c.fit.a - c.fit.b / k })) : []));
    const data = align([...pointSeries, ...fitSeries]);
    const series = [
      ...shown.map((c) => ({
        label: modelName(c),
        stroke: colorOf(modelName(c)),
        width: 0,
        points: { show: true, size: 8, fill: colorOf(modelName(c)) },
      })),
      ...shown.map((c) => ({
        label: c.fit ? `fit a=${c.fit.a.toFixed(2)} b=${c.fit.b.toFixed(2)}` : 'no fit',
        stroke: colorOf(modelName(c)),
        width: 1.5,
        dash: [6, 4],
        spanGaps: true,
        points: { show: false },
      })),
    ];
    return plot(el, {
      title: 'Test bound L_k against the evaluation k (dashed: a − b/k)',
      xLabel: 'k',
      yLabel: 'nats',
      logX: true,
      data,
      series,
      height: 380,
    });
  }

  /** Training bound per epoch (mean over seeds), one line per model. */
  function learningCurves(el, curves) {
    const data = align(curves.map((c) => c.epochs.map((e, i) => ({ x: e, y: c.trainBound[i] }))));
    return plot(el, {
      title: 'Training bound per epoch',
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

  window.IwaeCharts = { nllVsK, boundVsK, learningCurves, align, modelName, colorOf, INTEGER_STEPS };
})();
