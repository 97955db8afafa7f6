// @ts-check
// One sweep: counts and actions, the trial table, live learning curves and the K plots, kept
// live by the sweep's event stream.
import { actionButtons, api, bindActions } from './api.js';
import { byId, dur, statusBadge } from './cells.js';
import { drawEstimators } from './estimator-view.js';
import { escapeHtml as esc } from './format.js';
import { learningCurves } from './learning-curves.js';
import { rungView } from './rung-view.js';
import { drawSweepCharts } from './sweep-charts.js';
import { trialTable, trialTableHtml } from './trial-table.js';

/** @typedef {import('./api-types.js').SweepDetail} SweepDetail */
/** @typedef {import('./api-types.js').SweepView} SweepView */
/** @typedef {import('./api-types.js').TableRow} TableRow */
/** @typedef {import('./api-types.js').LiveEpoch} LiveEpoch */

/**
 * The count cards and the action buttons.
 * @param {string} id
 * @param {SweepView} s
 */
function drawCards(id, s) {
  byId('sweep-status').innerHTML = statusBadge(s.status);
  byId('cards').innerHTML = [
    ['done', `${s.done}/${s.total}`],
    ['running', s.running],
    ['queued', s.queued],
    ['failed', s.failed],
    ['cancelled', s.cancelled],
    ...(s.stopped ? [['stopped', s.stopped]] : []),
    ['epochs', `${s.epochsDone}/${s.epochsTotal}`],
    ['ETA', s.status === 'running' ? dur(s.etaSeconds) : '–'],
  ]
    .map(([k, v]) => `<div class="card"><span class="muted">${esc(k)}</span><b id="card-${esc(k)}">${esc(v)}</b></div>`)
    .join('');
  const actions = byId('actions');
  actions.innerHTML = actionButtons(s);
  bindActions(actions, id, () =>
    api(`/api/sweeps/${encodeURIComponent(id)}`).then((/** @type {SweepDetail} */ d) => drawCards(id, d.sweep)),
  );
}

/**
 * @param {HTMLElement} app
 * @param {string} id
 */
export async function sweepView(app, id) {
  const base = `/api/sweeps/${encodeURIComponent(id)}`;
  /** @type {SweepDetail} */
  const data = await api(base);
  app.innerHTML = `<div data-sweep="${esc(id)}">
<h1>Sweep <code>${esc(id)}</code> <span id="sweep-status">${statusBadge(data.sweep.status)}</span></h1>
<p class="muted">${esc(data.sweep.description || '')}</p>
<div class="cards" id="cards"></div>
<div id="actions"></div>
<p><a href="${base}/export.csv">export CSV</a> · <a href="${base}/export.json">export JSON</a></p>
<h2>Trials</h2>
${trialTableHtml(data.configColumns, data.estimators.objectives)}
<h2>Learning curves <span class="muted small">(click rows to choose trials)</span></h2>
<div class="chart" id="chart-curves" data-points="0"></div>
<section id="rungs" hidden></section>
<h2>Test bound against K</h2>
<div class="chart" id="chart-nll"></div><div class="chart" id="chart-bound"></div>
<h2>Paper-style table</h2><div id="paper"></div>
<section id="estimators"></section>
</div>`;
  drawCards(id, data.sweep);

  /** @type {Set<string>} */
  const selected = new Set();
  /** @type {Map<string, TableRow>} */
  const rows = new Map();
  let since = Date.now();
  const curves = learningCurves({ el: byId('chart-curves'), selected, rows });
  const rungs = rungView({ el: byId('rungs'), sweepId: id });
  /** @type {EventSource | undefined} */
  let source;
  // The stream watches the selected trials' epochs, so it is reopened when the selection changes.
  const openEvents = () => {
    source?.close();
    const watch = [...selected].map(encodeURIComponent).join(',');
    source = new EventSource(`${base}/events?since=${since}&watch=${watch}`);
    source.addEventListener('trials', (ev) => {
      for (const t of /** @type {TableRow[]} */ (JSON.parse(ev.data))) {
        since = Math.max(since, t.updatedAt);
        table.upsert(t);
      }
      rungs.changed();
    });
    source.addEventListener('summary', (ev) => drawCards(id, JSON.parse(ev.data)));
    source.addEventListener('epochs', (ev) => curves.add(/** @type {LiveEpoch[]} */ (JSON.parse(ev.data))));
  };
  const table = trialTable({
    root: app,
    sweepId: id,
    configColumns: data.configColumns,
    selected,
    rows,
    onSelection: async () => {
      await curves.load();
      openEvents();
    },
  });

  await table.load();
  await rungs.load();
  drawSweepCharts(data);
  drawEstimators(data);
  document.body.dataset.ready = 'true';
}
