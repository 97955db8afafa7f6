// @ts-check
// The sweep page's trial table: filters (including a `where` expression, parsed by the server's
// grammar, never SQL), sortable columns, pages, live row updates, and row selection for the plot.
import { api } from './api.js';
import { byId, num, statusBadge } from './cells.js';
import { samplesLabel } from './estimator-labels.js';
import { escapeHtml as esc } from './format.js';

/** @typedef {import('./api-types.js').TableRow} TableRow */
/** @typedef {import('./api-types.js').TrialTablePage} TrialTablePage */

/** Filters, sort and page, as the server's trial query reads them. */
const DEFAULT_QUERY = { sort: 'testNll', dir: 'asc', limit: 200, offset: 0 };

/**
 * @param {string[]} configColumns
 * @param {string[]} objectives the sweep's objectives, for the filter
 */
export function trialTableHtml(configColumns, objectives) {
  const columns = [
    'trial',
    'status',
    'objective',
    'layers',
    'k',
    'latent',
    ...configColumns,
    'seed',
    'epochsDone',
    'lastTrainBound',
    'testNll',
    'activeUnits',
    'attempts',
  ];
  return `<div class="filters" id="filters">
  <label>status <select name="status"><option value="">any</option>${['queued', 'running', 'done', 'failed', 'cancelled', 'stopped'].map((s) => `<option>${s}</option>`).join('')}</select></label>
  <label>objective <select name="objective"><option value="">any</option>${objectives.map((o) => `<option>${esc(o)}</option>`).join('')}</select></label>
  <label>layers <select name="layers"><option value="">any</option><option>1</option><option>2</option></select></label>
  <label>k <input name="k" type="number" min="1"></label>
  <label>latent <input name="latent" type="number" min="1"></label>
  <label>where <input name="where" id="filter-where" size="28" placeholder="learningRate<0.001 and seed=0"></label>
  <span id="filter-error" class="muted"></span>
</div>
<table id="trials"><thead><tr>${columns.map((k) => `<th class="sortable" data-sort="${esc(k)}">${esc(k)}</th>`).join('')}<th>worker</th></tr></thead><tbody></tbody></table>
<div class="pager" id="pager"></div>`;
}

/**
 * A config field of a row, by own property only (a column named like a prototype member is
 * just missing).
 * @param {TableRow} t
 * @param {string} column
 */
function configCell(t, column) {
  const config = /** @type {Record<string, unknown> | null | undefined} */ (t.config);
  return config && Object.hasOwn(config, column) ? config[column] : '–';
}

/**
 * @param {TableRow} t
 * @param {string[]} configColumns
 */
const rowHtml = (t, configColumns) =>
  `<td><a href="/trials/${encodeURIComponent(t.trial)}">${esc(String(t.trial).slice(0, 9))}…</a></td><td>${statusBadge(t.status)}${t.status === 'running' && t.phase ? ` <span class="muted">${esc(t.phase)}</span>` : ''}${t.reusedFrom ? ` <span class="muted reused" title="reused from ${esc(t.reusedFrom)}">reused</span>` : ''}</td><td>${esc(t.objective)}</td>
<td class="num">${esc(t.layers)}</td><td class="num">${esc(t.m === null ? t.k : samplesLabel(t))}</td><td class="num">${esc(t.latent)}</td>${configColumns.map((c) => `<td class="num" data-col="${esc(c)}">${esc(configCell(t, c))}</td>`).join('')}<td class="num">${esc(t.seed)}</td><td class="num epochs">${esc(t.epochsDone)}/${esc(t.epochs)}</td>
<td class="num">${num(t.lastTrainBound)}</td><td class="num">${num(t.testNll)}</td><td class="num">${esc(t.activeUnitsPerLayer?.join('+') ?? '–')}</td><td class="num">${esc(t.attempts)}</td><td class="muted">${esc(t.worker ?? '')}</td>`;

/**
 * Wires the table rendered by trialTableHtml.
 * @param {{ root: HTMLElement, sweepId: string, configColumns: string[], selected: Set<string>, rows: Map<string, TableRow>, onSelection: () => Promise<void> }} opts
 */
export function trialTable({ root, sweepId, configColumns, selected, rows, onSelection }) {
  /** @type {Record<string, string | number>} */
  const query = { ...DEFAULT_QUERY };
  const tbody = /** @type {HTMLTableSectionElement} */ (root.querySelector('#trials tbody'));

  async function load() {
    const params = new URLSearchParams(
      Object.entries(query)
        .filter(([, v]) => v !== '' && v !== undefined)
        .map(([k, v]) => [k, String(v)]),
    );
    /** @type {TrialTablePage} */
    let page;
    try {
      page = await api(`/api/sweeps/${encodeURIComponent(sweepId)}/trials?${params}`);
      byId('filter-error').textContent = '';
    } catch (err) {
      // A bad filter (unknown column, no operator) says why, and the table stays as it was.
      byId('filter-error').textContent = err instanceof Error ? err.message : String(err);
      return;
    }
    tbody.innerHTML = page.rows
      .map(
        (t) =>
          `<tr data-id="${esc(t.trial)}" class="${selected.has(t.trial) ? 'selected' : ''}">${rowHtml(t, configColumns)}</tr>`,
      )
      .join('');
    for (const t of page.rows) rows.set(t.trial, t);
    const offset = Number(query.offset);
    const limit = Number(query.limit);
    byId('pager').innerHTML = `${page.total ? offset + 1 : 0}–${Math.min(offset + limit, page.total)} of ${esc(page.total)}
        <button id="prev" ${offset === 0 ? 'disabled' : ''}>previous</button><button id="next" ${offset + limit >= page.total ? 'disabled' : ''}>next</button>`;
    byId('prev').onclick = () => {
      query.offset = Math.max(0, offset - limit);
      void load();
    };
    byId('next').onclick = () => {
      query.offset = offset + limit;
      void load();
    };
    for (const th of root.querySelectorAll('#trials th.sortable')) {
      if (!(th instanceof HTMLElement)) continue;
      th.classList.toggle('sorted', th.dataset.sort === query.sort);
      th.dataset.arrow = query.dir === 'asc' ? '▲' : '▼';
    }
    if (selected.size === 0) {
      // Plot the running trials, else the first rows.
      const pick = page.rows
        .filter((t) => t.status === 'running')
        .concat(page.rows)
        .slice(0, 6);
      for (const t of pick) selected.add(t.trial);
      for (const tr of tbody.querySelectorAll('tr')) tr.classList.toggle('selected', selected.has(tr.dataset.id ?? ''));
      await onSelection();
    }
    document.body.dataset.tableReady = 'true';
  }

  for (const th of root.querySelectorAll('#trials th.sortable')) {
    if (!(th instanceof HTMLElement)) continue;
    th.addEventListener('click', () => {
      query.dir = query.sort === th.dataset.sort && query.dir === 'asc' ? 'desc' : 'asc';
      query.sort = th.dataset.sort ?? DEFAULT_QUERY.sort;
      query.offset = 0;
      void load();
    });
  }
  for (const input of root.querySelectorAll('#filters select, #filters input')) {
    if (!(input instanceof HTMLInputElement || input instanceof HTMLSelectElement)) continue;
    input.addEventListener('change', () => {
      query[input.name] = input.value;
      query.offset = 0;
      void load();
    });
  }
  tbody.addEventListener('click', (ev) => {
    const target = /** @type {Element} */ (ev.target);
    const tr = target.closest('tr');
    if (!tr || target.closest('a')) return;
    const trialId = tr.dataset.id ?? '';
    if (selected.has(trialId)) selected.delete(trialId);
    else selected.add(trialId);
    tr.classList.toggle('selected');
    void onSelection();
  });

  return {
    load,
    /**
     * A row changed (live update): redraw it if it is on this page.
     * @param {TableRow} t
     */
    upsert(t) {
      rows.set(t.trial, t);
      const tr = [...tbody.querySelectorAll('tr')].find((r) => r.dataset.id === t.trial);
      if (tr) tr.innerHTML = rowHtml(t, configColumns);
    },
  };
}
