// @ts-check
// The sweeps page: every sweep with its counts, ETA and actions, and (distributed mode) the
// workers, redrawn every 3 s.
import { actionButtons, api, bindActions } from './api.js';
import { dur, num, shortTime, statusBadge } from './cells.js';
import { escapeHtml as esc } from './format.js';

/** @typedef {import('./api-types.js').SweepView} SweepView */
/** @typedef {import('./api-types.js').WorkerView} WorkerView */

/** @param {SweepView} s */
const sweepRow = (
  s,
) => `<tr data-sweep="${esc(s.id)}"><td><a href="/sweeps/${encodeURIComponent(s.id)}">${esc(s.id)}</a><div class="muted">${esc(s.description || '')}</div></td>
<td>${esc(s.mode)}</td><td>${statusBadge(s.status)}</td><td class="num">${esc(s.done)}/${esc(s.total)}</td><td class="num">${esc(s.running)}</td><td class="num">${esc(s.failed)}</td>
<td class="num">${esc(s.queued)}</td><td class="num">${esc(s.cancelled)}</td><td>${s.status === 'running' ? dur(s.etaSeconds) : '–'}</td><td>${shortTime(s.firstStartedAt)}</td>
<td>${s.done + s.failed + s.cancelled === s.total && s.total > 0 ? shortTime(s.lastFinishedAt) : '–'}</td><td>${actionButtons(s)}</td></tr>`;

/**
 * One row per worker from its heartbeats; throughput = trials finished per hour since it started.
 * @param {WorkerView[]} workers
 */
function workersTable(workers) {
  const now = Date.now();
  const rows = workers.map((w) => {
    const hours = Math.max((w.lastSeen - w.startedAt) / 3_600_000, 1 / 3600);
    const gpu = w.gpu === undefined ? '' : ` · GPU ${esc(w.gpu)}`;
    return `<tr data-worker="${esc(w.id)}"><td>${esc(w.host)}</td><td>${esc(w.id)}</td><td>${esc(w.backendShown)}${gpu}</td>
<td class="num">${esc(w.running.length)}/${esc(w.concurrency)}</td><td>${w.running.map((t) => `<a href="/trials/${encodeURIComponent(t)}">${esc(t)}</a>`).join(' ')}</td>
<td class="num">${num(w.finished / hours, 1)}</td><td>${dur((now - w.lastSeen) / 1000)} ago</td><td>${statusBadge(w.status)}</td></tr>`;
  });
  return `<h2>Workers</h2>
<table id="workers"><thead><tr><th>host</th><th>worker</th><th>backend</th><th class="num">running</th><th>trials</th><th class="num">trials/h</th><th>last seen</th><th>status</th></tr></thead><tbody>
${rows.join('')}</tbody></table>${workers.length === 0 ? '<p class="muted">No worker has connected yet: <code>pnpm iwae-sweep worker</code></p>' : ''}`;
}

/** @param {HTMLElement} app */
export async function sweepsView(app) {
  const draw = async () => {
    /** @type {SweepView[]} */
    const sweeps = await api('/api/sweeps');
    app.innerHTML = `<h1>Sweeps</h1>
<div class="table-wrap"><table id="sweeps"><thead><tr><th>sweep</th><th>mode</th><th>status</th><th class="num">done</th><th class="num">running</th><th class="num">failed</th><th class="num">queued</th><th class="num">cancelled</th><th>ETA</th><th>started</th><th>finished</th><th>actions</th></tr></thead><tbody>
${sweeps.map(sweepRow).join('')}
</tbody></table></div>${sweeps.length === 0 ? '<p class="muted">No sweeps yet: <code>pnpm iwae-sweep run examples/quick.yaml</code></p>' : ''}
${document.body.dataset.queues === 'true' ? workersTable(await api('/api/workers')) : ''}`;
    bindActions(app, undefined, draw);
  };
  await draw();
  setInterval(() => void draw().catch(() => undefined), 3000);
}
