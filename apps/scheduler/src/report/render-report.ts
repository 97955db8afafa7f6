import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { formatSeconds } from '../progress.ts';
import {
  ESS_WARNING_FRACTION,
  JACKKNIFE_LABEL,
  TRAIN_ELBO_LABEL,
  trainLkOfEachLabel,
  validationLabel,
} from '../web/bound-labels.js';
import { estimatorSectionHtml } from '../web/estimator-html.js';
import { escapeHtml, jsonForScript } from './html.ts';
import { paperReference } from './paper-numbers.ts';
import type { ReportData } from './report-data.ts';
import { rungSectionHtml } from './rung-section.ts';

const require = createRequire(import.meta.url);

/** uPlot and our chart code, inlined so that the report is one self-contained file. */
export function chartAssets(): { css: string; js: string } {
  const dist = (f: string) => readFileSync(require.resolve(`uplot/dist/${f}`), 'utf8');
  return {
    css: dist('uPlot.min.css'),
    js: [
      dist('uPlot.iife.min.js'),
      ...['charts.js', 'snr-chart.js', 'rung-chart.js'].map((f) => readFileSync(new URL(`../web/${f}`, import.meta.url), 'utf8')),
    ].join('\n'),
  };
}

const fmt = (v: number | null | undefined, digits = 2) =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);

/** Why the paper's table has no row: nothing finished, or no finished trial of the objectives it compares. */
function noPaperRowsHtml(data: ReportData): string {
  const trained = [...new Set(data.paperTable.map((r) => r.objective))].sort().join(', ');
  const why = trained
    ? `Table 1 compares VAE and IWAE; this sweep's finished trials are ${escapeHtml(trained)} (compared under Estimators below).`
    : 'No finished trials yet.';
  return `<p class="muted" id="paper-table">${why}</p>`;
}

function paperTableHtml(data: ReportData): string {
  if (data.paperRows.length === 0) return noPaperRowsHtml(data);
  // Rows: model (layers, latent) × K; columns: VAE and IWAE NLL and units, mean ± sd over seeds.
  // One row per config group pair: groups that differ in more than model, K and objective (learning
  // rate, width…) get rows of their own, labelled with those fields; they are never pooled.
  const rows = new Map<
    string,
    { layers: number; latent: number; k: number; distinct: string; cells: Map<string, ReportData['paperTable'][number]> }
  >();
  for (const r of data.paperRows) {
    const distinct = Object.entries(r.distinct)
      .map(([f, v]) => `${f}=${Array.isArray(v) ? v.join('+') : v}`)
      .join(', ');
    const key = `${r.layers}|${r.latent}|${r.k}|${distinct}`;
    if (!rows.has(key)) rows.set(key, { layers: r.layers, latent: r.latent, k: r.k, distinct, cells: new Map() });
    rows.get(key)?.cells.set(r.objective, r);
  }
  // With K=1 the IWAE is the VAE (one trial, stored as vae): show it in both columns.
  for (const row of rows.values()) {
    const vae = row.cells.get('vae');
    if (row.k === 1 && vae && !row.cells.has('iwae')) row.cells.set('iwae', vae);
  }
  const cell = (
    r: ReportData['paperTable'][number] | undefined,
    objective: string,
    layers: number,
    k: number,
    latent: number,
  ) => {
    // The paper's numbers stand only next to trials run as the paper ran them (paper-setup.ts).
    const ref = r?.paperSetup.comparable ? paperReference(objective, layers, k, latent) : undefined;
    const refHtml = ref ? `<span class="ref" title="Burda et al. 2016, Table 1">paper ${ref.nll.toFixed(2)}</span>` : '';
    if (!r) return `<td class="num">–${refHtml}</td><td class="num">–</td>`;
    const sd = r.nllSd !== null ? ` ± ${fmt(r.nllSd)}` : '';
    const units = r.unitsPerLayerMean.map((u) => (Number.isInteger(u) ? String(u) : u.toFixed(1))).join('+');
    const unitsSd = r.unitsSd !== null && r.unitsSd > 0 ? ` ± ${fmt(r.unitsSd, 1)}` : '';
    return `<td class="num">${fmt(r.nllMean)}${sd}${refHtml}</td><td class="num">${escapeHtml(units)}${unitsSd}${ref ? `<span class="ref">paper ${ref.units}</span>` : ''}</td>`;
  };
  const body = [...rows.values()]
    .sort((a, b) => a.layers - b.layers || a.latent - b.latent || a.k - b.k || a.distinct.localeCompare(b.distinct))
    .map(
      (r) =>
        `<tr><td>${r.layers} layer${r.layers > 1 ? 's' : ''}${r.latent !== 50 ? `, ${r.latent} latents` : ''}${r.distinct ? `<br><span class="muted">${escapeHtml(r.distinct)}</span>` : ''}</td><td class="num">${r.k}</td>` +
        `${cell(r.cells.get('vae'), 'vae', r.layers, r.k, r.latent)}${cell(r.cells.get('iwae'), 'iwae', r.layers, r.k, r.latent)}` +
        `<td class="num">${Math.max(...[...r.cells.values()].map((c) => c.trials))}</td></tr>`,
    )
    .join('\n');
  return `<table class="paper" id="paper-table">
<thead><tr><th rowspan="2">model</th><th rowspan="2">K</th><th colspan="2">VAE</th><th colspan="2">IWAE</th><th rowspan="2">seeds</th></tr>
<tr><th>NLL</th><th>active units</th><th>NLL</th><th>active units</th></tr></thead>
<tbody>${body}</tbody></table>`;
}

/** Why the paper's numbers are (not) shown: what differs from its setup, over the sweep's groups. */
function paperNoteHtml(data: ReportData): string {
  const groups = new Set(data.paperRows.map((r) => r.groupId)).size;
  if (groups === 0) return '';
  const shown = data.paperRows.filter((r) => r.paperSetup.comparable).length;
  const why = data.paperDifferences
    .map(
      (d) =>
        `<li>${escapeHtml(d.difference)}${d.groups < groups ? ` <span class="muted">(${d.groups} of ${groups} groups)</span>` : ''}</li>`,
    )
    .join('');
  if (shown === data.paperRows.length) {
    return '<p class="muted" id="paper-note">Gray: the numbers of Burda et al. (2016), Table 1; every trial here ran their setup (8-stage schedule, 60,000/10,000 images, batch 20, −L<sub>5000</sub>).</p>';
  }
  return `<div class="muted" id="paper-note"><p>${shown ? "Gray: the paper's numbers, next to the trials that ran its setup only." : "The paper's numbers are not shown:"} ${shown ? 'The others' : 'these trials'} differ from its setup (Table 1: 8-stage schedule, 60,000 training and 10,000 test images, evalK 5000, batch 20, lr 1e-3, Adam as in the paper or the authors' code):</p><ul>${why}</ul></div>`;
}

function modelLabel(c: ReportData['beyondBound'][number]): string {
  const distinct = Object.entries(c.distinct)
    .filter(([f]) => f !== 'm') // in the samples label
    .map(([f, v]) => ` ${f}=${Array.isArray(v) ? v.join('+') : v}`)
    .join('');
  return `${c.objective.toUpperCase()} ${c.layers}L ${c.samples}${c.latent !== 50 ? ` z=${c.latent}` : ''}${distinct}`;
}

/** L_evalK, then what the same samples say beyond it: the jackknife (an estimate) and the ESS. */
function beyondBoundHtml(data: ReportData): string {
  if (data.beyondBound.length === 0) {
    return '<p class="muted">No jackknife or effective sample size recorded (trials finished before they existed).</p>';
  }
  const rows = data.beyondBound
    .slice(0, 60)
    .map(
      (c) =>
        `<tr${c.essLow ? ' class="ess-low"' : ''}><td>${escapeHtml(modelLabel(c))}</td><td class="num">${c.evalK}</td><td class="num">${fmt(c.bound)}</td>` +
        `<td class="num">${fmt(c.jackknife)}</td><td class="num">${fmt(c.jackknife - c.bound, 3)}</td>` +
        `<td class="num">${fmt(c.essMedian, 1)}</td><td class="num">${fmt(c.essMean, 1)}</td><td class="num">${fmt((100 * c.essMedian) / c.evalK, 2)} %</td>` +
        `<td>${c.essLow ? `ESS ≪ K: no estimate beyond L<sub>${c.evalK}</sub> is reliable` : ''}</td></tr>`,
    )
    .join('\n');
  return `<table id="beyond-table"><thead><tr><th>model</th><th>evalK</th><th>L<sub>evalK</sub> (bound)</th><th>${escapeHtml(JACKKNIFE_LABEL)}</th><th>jackknife − L<sub>evalK</sub></th><th>ESS median</th><th>ESS mean</th><th>ESS/K (median)</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The learning-curve charts: each figure on its own axes, labelled with exactly what it is. */
function curveCharts(data: ReportData): { id: string; key: string; title: string }[] {
  const has = (key: 'trainElbo' | 'trainIwae' | 'validationBound') =>
    data.learningCurves.some((c) => c[key].some((v) => v !== null));
  const charts: { id: string; key: string; title: string }[] = [];
  if (has('validationBound')) {
    const ks = [...new Set(data.learningCurves.map((c) => c.validationK))];
    const sizes = [...new Set(data.learningCurves.map((c) => c.validationSize))];
    const label = ks.length === 1 ? validationLabel(ks[0] as number) : 'validation L_k (k differs between groups!)';
    charts.push({
      id: 'chart-validation',
      key: 'validationBound',
      title: `${label} on ${sizes.join('/')} held-out training images — the same bound for every trial`,
    });
  }
  if (has('trainIwae'))
    charts.push({
      id: 'chart-train-lk',
      key: 'trainIwae',
      title: `${trainLkOfEachLabel(data.learningCurves)} on the training batches`,
    });
  if (has('trainElbo'))
    charts.push({ id: 'chart-train-elbo', key: 'trainElbo', title: `${TRAIN_ELBO_LABEL} on the training batches` });
  if (!has('trainElbo')) {
    charts.push({
      id: 'chart-curves',
      key: 'trainBound',
      title: 'training objective (ELBO est. for VAE, L_K for IWAE: different bounds)',
    });
  }
  return charts;
}

/** The self-contained HTML report of a sweep. */
export function renderReport(data: ReportData): string {
  const s = data.sweep;
  const { css, js } = chartAssets();
  const meta: [string, string][] = [
    ['status', s.status],
    ['mode', s.mode],
    [
      'trials',
      `${s.total} (${s.done} done, ${s.running} running, ${s.queued} queued, ${s.failed} failed, ${s.cancelled} cancelled${s.stopped ? `, ${s.stopped} stopped early` : ''})`,
    ],
    ['epochs', `${s.epochsDone} of ${s.epochsTotal}`],
    ['created', new Date(s.createdAt).toISOString()],
    ['compute', `${formatSeconds(data.totals.trainSeconds)} training, ${formatSeconds(data.totals.evalSeconds)} evaluation`],
    ['backends', data.totals.backends.join(', ') || '–'],
    ['hosts', data.totals.hosts.join(', ') || '–'],
    ['code (git)', data.totals.gitShas.join(', ') || '–'],
    ...(data.reusedCount
      ? [
          ['reused', `${data.reusedCount} trials copied from finished identical trials of other sweeps (see below)`] as [
            string,
            string,
          ],
        ]
      : []),
    ['report generated', new Date(data.generatedAt).toISOString()],
  ];
  const failed = data.failed.length
    ? `<h2>Failed trials</h2><table id="failed"><thead><tr><th>trial</th><th>model</th><th>error</th></tr></thead><tbody>${data.failed
        .map(
          (f) =>
            `<tr><td><code>${escapeHtml(f.trial)}</code></td><td>${escapeHtml(f.label)}</td><td><pre>${escapeHtml(f.error)}</pre></td></tr>`,
        )
        .join('\n')}</tbody></table>`
    : '';
  const reused = data.reused.length
    ? `<h2>Reused trials</h2><p class="muted">Not trained in this sweep: each copies the result and epochs of a finished trial of another sweep with the same normalised config and seed, computed by the same code (<code>--reuse</code>). Runs are deterministic, so these are the numbers training would give; their timings, host and backend are the original's.</p><table id="reused"><thead><tr><th>trial</th><th>model</th><th>reused from</th></tr></thead><tbody>${data.reused
        .map(
          (r) =>
            `<tr><td><code>${escapeHtml(r.trial)}</code></td><td>${escapeHtml(r.label)}</td><td><code>${escapeHtml(r.from)}</code></td></tr>`,
        )
        .join(
          '\n',
        )}</tbody></table>${data.reusedCount > data.reused.length ? `<p class="muted">and ${data.reusedCount - data.reused.length} more</p>` : ''}`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>iwae-sweep report: ${escapeHtml(s.id)}</title>
<style>${css}
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1040px;padding:0 1rem;color:#222}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.5rem 0} th,td{border:1px solid #ddd;padding:.3rem .55rem;text-align:left;vertical-align:top}
th{background:#f5f5f5} tr.ess-low td{background:#fff4e5} td.num{text-align:right;font-variant-numeric:tabular-nums} .ref{display:block;color:#888;font-size:.8em}
.muted{color:#777} pre{margin:0;white-space:pre-wrap;max-width:560px} .chart{margin:1rem 0} code{font-size:.92em}
.u-legend .rung-stopped{color:#999} td.reason{max-width:520px}
details{margin:.5rem 0} dl.meta{display:grid;grid-template-columns:max-content auto;gap:.15rem 1rem} dl.meta dt{color:#666}
</style></head><body>
<h1>Sweep <code>${escapeHtml(s.id)}</code></h1>
<p class="muted">${escapeHtml(s.description ?? '')}</p>
<dl class="meta">${meta.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
<details><summary>sweep spec</summary><pre>${escapeHtml(JSON.stringify(s.spec, null, 2))}</pre></details>

<h2>Test NLL and active units (as in Table 1 of Burda et al. 2016)</h2>
<p class="muted">Mean ± sd over seeds of the test NLL −L<sub>evalK</sub> (the headline, as in the paper: L<sub>evalK</sub> is a lower bound of log p(x), so this over-estimates the true NLL), and of the active units (Cov<sub>x</sub>(E<sub>q</sub>[z<sub>u</sub>]) &gt; 0.01).</p>
${paperTableHtml(data)}
${paperNoteHtml(data)}
<div class="chart" id="chart-nll"></div>

<h2>How the bound tightens with K</h2>
<p class="muted">L<sub>k</sub> on the test images for each evaluation k, estimated from the same evalK samples: each is a lower bound of log p(x), rising with k.</p>
<div class="chart" id="chart-bound"></div>
<h3>Beyond L<sub>evalK</sub></h3>
<p class="muted">From the same evalK log weights per test image: the jackknife K·L<sub>K</sub> − (K−1)·mean<sub>i</sub> L<sub>K−1</sub><sup>(−i)</sup> removes the 1/K term of the gap; it is an <em>estimate</em> of log p(x), not a bound (it may exceed it). The effective sample size (Σw)²/Σw² says whether any such estimate is meaningful: when it is a tiny fraction of K (below ${ESS_WARNING_FRACTION * 100} %), a few samples carry the sum and the 1/K regime has not begun. Means over seeds.</p>
${beyondBoundHtml(data)}

${data.estimators.shown || data.estimators.snr.length ? estimatorSectionHtml(data.estimators) : ''}

<h2>Learning curves</h2>
<p class="muted">Per epoch, mean over seeds${data.learningCurvesShown < data.learningCurvesTotal ? ` — the ${data.learningCurvesShown} best of ${data.learningCurvesTotal} models by test NLL` : ''}. A VAE trained with K samples optimises the ELBO estimate, an IWAE L<sub>K</sub>: compare trials on the held-out validation bound (set <code>validationSize</code>), which is the same bound for all.</p>
${curveCharts(data)
  .map((c) => `<div class="chart" id="${c.id}"></div>`)
  .join('\n')}
${rungSectionHtml(data.rungs)}
${reused}
${failed}
<script type="application/json" id="report-data">${jsonForScript({
    paperTable: data.paperTable,
    boundCurves: data.boundCurves,
    learningCurves: data.learningCurves,
    curveCharts: curveCharts(data),
    snr: data.estimators.snr,
    rungs: data.rungs,
  })}</script>
<script>${js}</script>
<script>
(() => {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  if (data.paperTable.length) IwaeCharts.nllVsK(document.getElementById('chart-nll'), data.paperTable);
  if (data.boundCurves.length) IwaeCharts.boundVsK(document.getElementById('chart-bound'), data.boundCurves);
  for (const c of data.curveCharts) IwaeCharts.learningCurves(document.getElementById(c.id), data.learningCurves, c);
  for (const part of data.snr.length ? ['encoder', 'decoder'] : []) IwaeSnrChart.snrVsK(document.getElementById('chart-snr-' + part), data.snr, part);
  if (data.rungs) IwaeRungChart.rungChart(document.getElementById('chart-rungs'), data.rungs);
  document.body.dataset.chartsReady = 'true';
})();
</script>
</body></html>
`;
}
