import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { formatSeconds } from '../progress.ts';
import { escapeHtml, jsonForScript } from './html.ts';
import { paperReference } from './paper-numbers.ts';
import type { ReportData } from './report-data.ts';

const require = createRequire(import.meta.url);

/** uPlot and our chart code, inlined so that the report is one self-contained file. */
export function chartAssets(): { css: string; js: string } {
  const dist = (f: string) => readFileSync(require.resolve(`uplot/dist/${f}`), 'utf8');
  return {
    css: dist('uPlot.min.css'),
    js: `${dist('uPlot.iife.min.js')}\n${readFileSync(new URL('../web/charts.js', import.meta.url), 'utf8')}`,
  };
}

const fmt = (v: number | null | undefined, digits = 2) =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);

function paperTableHtml(data: ReportData): string {
  // Rows: model (layers, latent) × K; columns: VAE and IWAE NLL and units, mean ± sd over seeds.
  // One row per config group pair: groups that differ in more than model, K and objective (learning
  // rate, width…) get rows of their own, labelled with those fields; they are never pooled.
  const rows = new Map<
    string,
    { layers: number; latent: number; k: number; distinct: string; cells: Map<string, ReportData['paperTable'][number]> }
  >();
  for (const r of data.paperTable) {
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
    const ref = paperReference(objective, layers, k, latent);
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
<tbody>${body || '<tr><td colspan="7">no finished trials yet</td></tr>'}</tbody></table>`;
}

function fitTableHtml(data: ReportData): string {
  const rows = data.boundCurves
    .filter((c) => c.fit)
    .slice(0, 60)
    .map(
      (c) =>
        `<tr><td>${escapeHtml(c.objective.toUpperCase())} ${c.layers}L K=${c.k}${c.latent !== 50 ? ` z=${c.latent}` : ''}</td>` +
        `<td class="num">${fmt(c.fit?.a)}</td><td class="num">${fmt(c.fit?.b)}</td><td class="num">${fmt(c.fit?.r2, 3)}</td>` +
        `<td class="num">${c.points.map((p) => p.k).join(', ')}</td></tr>`,
    )
    .join('\n');
  return rows
    ? `<table id="fit-table"><thead><tr><th>model</th><th>a (≈ log p(x))</th><th>b (gap·k)</th><th>R²</th><th>k used</th></tr></thead><tbody>${rows}</tbody></table>`
    : '<p class="muted">No per-K test bounds recorded (set <code>evalKs</code> in the spec to get them).</p>';
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
      `${s.total} (${s.done} done, ${s.running} running, ${s.queued} queued, ${s.failed} failed, ${s.cancelled} cancelled)`,
    ],
    ['epochs', `${s.epochsDone} of ${s.epochsTotal}`],
    ['created', new Date(s.createdAt).toISOString()],
    ['compute', `${formatSeconds(data.totals.trainSeconds)} training, ${formatSeconds(data.totals.evalSeconds)} evaluation`],
    ['backends', data.totals.backends.join(', ') || '–'],
    ['hosts', data.totals.hosts.join(', ') || '–'],
    ['code (git)', data.totals.gitShas.join(', ') || '–'],
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
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>iwae-sweep report: ${escapeHtml(s.id)}</title>
<style>${css}
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1040px;padding:0 1rem;color:#222}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.5rem 0} th,td{border:1px solid #ddd;padding:.3rem .55rem;text-align:left;vertical-align:top}
th{background:#f5f5f5} td.num{text-align:right;font-variant-numeric:tabular-nums} .ref{display:block;color:#888;font-size:.8em}
.muted{color:#777} pre{margin:0;white-space:pre-wrap;max-width:560px} .chart{margin:1rem 0} code{font-size:.92em}
details{margin:.5rem 0} dl.meta{display:grid;grid-template-columns:max-content auto;gap:.15rem 1rem} dl.meta dt{color:#666}
</style></head><body>
<h1>Sweep <code>${escapeHtml(s.id)}</code></h1>
<p class="muted">${escapeHtml(s.description ?? '')}</p>
<dl class="meta">${meta.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
<details><summary>sweep spec</summary><pre>${escapeHtml(JSON.stringify(s.spec, null, 2))}</pre></details>

<h2>Test NLL and active units (as in Table 1 of Burda et al. 2016)</h2>
<p class="muted">Mean ± sd over seeds of −L<sub>evalK</sub> on the test images, and of the active units (Cov<sub>x</sub>(E<sub>q</sub>[z<sub>u</sub>]) &gt; 0.01). Gray: the paper's numbers, after its full 3,280-pass schedule.</p>
${paperTableHtml(data)}
<div class="chart" id="chart-nll"></div>

<h2>How the bound tightens with K</h2>
<p class="muted">L<sub>k</sub> on the test images for each evaluation k (estimated from the same evalK samples), and the fit L<sub>k</sub> ≈ a − b/k of the large-K bias law: a estimates log p(x), b/k is the gap.</p>
<div class="chart" id="chart-bound"></div>
${fitTableHtml(data)}

<h2>Learning curves</h2>
<p class="muted">Training objective per epoch, mean over seeds${data.learningCurvesShown < data.learningCurvesTotal ? ` — the ${data.learningCurvesShown} best of ${data.learningCurvesTotal} models by test NLL` : ''}.</p>
<div class="chart" id="chart-curves"></div>
${failed}
<script type="application/json" id="report-data">${jsonForScript({
    paperTable: data.paperTable,
    boundCurves: data.boundCurves,
    learningCurves: data.learningCurves,
  })}</script>
<script>${js}</script>
<script>
(() => {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  if (data.paperTable.length) IwaeCharts.nllVsK(document.getElementById('chart-nll'), data.paperTable);
  if (data.boundCurves.length) IwaeCharts.boundVsK(document.getElementById('chart-bound'), data.boundCurves);
  if (data.learningCurves.length) IwaeCharts.learningCurves(document.getElementById('chart-curves'), data.learningCurves);
  document.body.dataset.chartsReady = 'true';
})();
</script>
</body></html>
`;
}
