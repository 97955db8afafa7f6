// The dashboard's pages, rendered in the browser from the JSON API and kept live with
// server-sent events. Plain JavaScript (an ES module), no build step; charts come from charts.js
// (uPlot); escaping and durations from format.js, the same code the server uses.
import { essTooLow, JACKKNIFE_LABEL, TRAIN_ELBO_LABEL, trainLkLabel, validationLabel } from './bound-labels.js';
import { escapeHtml as esc, formatSeconds } from './format.js';

(() => {
  const app = document.getElementById('app');
  const num = (v, d = 2) => (v === null || v === undefined || Number.isNaN(v) ? '–' : Number(v).toFixed(d));
  const time = (ms) => (ms ? new Date(ms).toLocaleString() : '–');
  const dur = (s) => formatSeconds(s, '–');
  const status = (s) => `<span class="status ${esc(s)}">${esc(s)}</span>`;
  const label = (t) => `${t.objective} ${t.layers}L K=${t.k} z=${t.latent} s${t.seed}`;

  async function api(path, opts = {}) {
    const res = await fetch(path, { credentials: 'same-origin', ...opts });
    const text = await res.text();
    let body = {};
    try {
      body = JSON.parse(text);
    } catch {
      // Refusals (host, origin, token) are one line of plain text.
      body = { error: text.trim() };
    }
    if (!res.ok) throw new Error(body.error || `${res.status} ${res.statusText}`);
    return body;
  }
  async function act(sweepId, action) {
    if (
      action === 'cancel' &&
      !window.confirm(`Cancel sweep ${sweepId}? Queued trials are dropped; running ones stop at their next epoch.`)
    )
      return;
    const out = await api(`/api/sweeps/${encodeURIComponent(sweepId)}/${action}`, {
      method: 'POST',
      headers: { 'x-iwae-action': '1' },
    });
    flash(out.message);
  }
  function flash(text) {
    let el = document.getElementById('message');
    if (!el) {
      el = document.createElement('div');
      el.id = 'message';
      el.className = 'message';
      app.prepend(el);
    }
    el.textContent = text;
  }
  const actions = (s) =>
    `<button data-action="pause" ${s.state !== 'active' ? 'disabled' : ''}>Pause</button>` +
    `<button data-action="resume" ${s.state === 'active' ? 'disabled' : ''}>Resume</button>` +
    `<button data-action="cancel" class="danger" ${s.state === 'cancelled' || s.status === 'done' ? 'disabled' : ''}>Cancel</button>`;
  function bindActions(root, sweepId, after) {
    for (const b of root.querySelectorAll('button[data-action]')) {
      b.addEventListener('click', async (ev) => {
        ev.preventDefault();
        try {
          await act(b.closest('[data-sweep]')?.dataset.sweep || sweepId, b.dataset.action);
          after();
        } catch (err) {
          flash(`error: ${err.message}`);
        }
      });
    }
  }

  // ---------------------------------------------------------------- workers
  // One row per worker from its heartbeats; throughput = trials finished per hour since it started.
  function workersTable(workers) {
    const now = Date.now();
    const rows = workers.map((w) => {
      const hours = Math.max((w.lastSeen - w.startedAt) / 3_600_000, 1 / 3600);
      const gpu = w.gpu === undefined ? '' : ` · GPU ${esc(w.gpu)}`;
      return `<tr data-worker="${esc(w.id)}"><td>${esc(w.host)}</td><td>${esc(w.id)}</td><td>${esc(w.backend)}${gpu}</td>
<td class="num">${esc(w.running.length)}/${esc(w.concurrency)}</td><td>${w.running.map((t) => `<a href="/trials/${encodeURIComponent(t)}">${esc(t)}</a>`).join(' ')}</td>
<td class="num">${num(w.finished / hours, 1)}</td><td>${dur((now - w.lastSeen) / 1000)} ago</td><td>${status(w.status)}</td></tr>`;
    });
    return `<h2>Workers</h2>
<table id="workers"><thead><tr><th>host</th><th>worker</th><th>backend</th><th class="num">running</th><th>trials</th><th class="num">trials/h</th><th>last seen</th><th>status</th></tr></thead><tbody>
${rows.join('')}</tbody></table>${workers.length === 0 ? '<p class="muted">No worker has connected yet: <code>pnpm iwae-sweep worker</code></p>' : ''}`;
  }

  // ---------------------------------------------------------------- sweeps
  async function sweepsPage() {
    const draw = async () => {
      const sweeps = await api('/api/sweeps');
      app.innerHTML = `<h1>Sweeps</h1>
<table id="sweeps"><thead><tr><th>sweep</th><th>mode</th><th>status</th><th class="num">done</th><th class="num">running</th><th class="num">failed</th><th class="num">queued</th><th class="num">cancelled</th><th>ETA</th><th>started</th><th>finished</th><th>actions</th></tr></thead><tbody>
${sweeps
  .map(
    (
      s,
    ) => `<tr data-sweep="${esc(s.id)}"><td><a href="/sweeps/${encodeURIComponent(s.id)}">${esc(s.id)}</a><div class="muted">${esc(s.description || '')}</div></td>
<td>${esc(s.mode)}</td><td>${status(s.status)}</td><td class="num">${esc(s.done)}/${esc(s.total)}</td><td class="num">${esc(s.running)}</td><td class="num">${esc(s.failed)}</td>
<td class="num">${esc(s.queued)}</td><td class="num">${esc(s.cancelled)}</td><td>${s.status === 'running' ? dur(s.etaSeconds) : '–'}</td><td>${time(s.firstStartedAt)}</td>
<td>${s.done + s.failed + s.cancelled === s.total && s.total > 0 ? time(s.lastFinishedAt) : '–'}</td><td>${actions(s)}</td></tr>`,
  )
  .join('')}
</tbody></table>${sweeps.length === 0 ? '<p class="muted">No sweeps yet: <code>pnpm iwae-sweep run examples/quick.yaml</code></p>' : ''}
${document.body.dataset.queues === 'true' ? workersTable(await api('/api/workers')) : ''}`;
      bindActions(app, undefined, draw);
    };
    await draw();
    setInterval(() => void draw().catch(() => undefined), 3000);
  }

  // ---------------------------------------------------------------- one sweep
  async function sweepPage(id) {
    const state = {
      query: { sort: 'testNll', dir: 'asc', limit: 200, offset: 0 },
      rows: new Map(),
      selected: new Set(),
      curves: new Map(),
      since: Date.now(),
    };
    const data = await api(`/api/sweeps/${encodeURIComponent(id)}`);
    app.innerHTML = `<div data-sweep="${esc(id)}">
<h1>Sweep <code>${esc(id)}</code> <span id="sweep-status">${status(data.sweep.status)}</span></h1>
<p class="muted">${esc(data.sweep.description || '')}</p>
<div class="cards" id="cards"></div>
<div id="actions">${actions(data.sweep)}</div>
<p><a href="/api/sweeps/${encodeURIComponent(id)}/export.csv">export CSV</a> · <a href="/api/sweeps/${encodeURIComponent(id)}/export.json">export JSON</a></p>
<h2>Trials</h2>
<div class="filters" id="filters">
  <label>status <select name="status"><option value="">any</option>${['queued', 'running', 'done', 'failed', 'cancelled'].map((s) => `<option>${s}</option>`).join('')}</select></label>
  <label>objective <select name="objective"><option value="">any</option><option>vae</option><option>iwae</option></select></label>
  <label>layers <select name="layers"><option value="">any</option><option>1</option><option>2</option></select></label>
  <label>k <input name="k" type="number" min="1"></label>
  <label>latent <input name="latent" type="number" min="1"></label>
  <label>where <input name="where" id="filter-where" size="28" placeholder="learningRate<0.001 and seed=0"></label>
  <span id="filter-error" class="muted"></span>
</div>
<table id="trials"><thead><tr>
  ${[
    'trial',
    'status',
    'objective',
    'layers',
    'k',
    'latent',
    ...data.configColumns,
    'seed',
    'epochsDone',
    'lastTrainBound',
    'testNll',
    'activeUnits',
    'attempts',
  ]
    .map((k) => `<th class="sortable" data-sort="${esc(k)}">${esc(k)}</th>`)
    .join('')}<th>worker</th></tr></thead><tbody></tbody></table>
<div class="pager" id="pager"></div>
<h2>Learning curves <span class="muted small">(click rows to choose trials)</span></h2>
<div class="chart" id="chart-curves" data-points="0"></div>
<h2>Test bound against K</h2>
<div class="chart" id="chart-nll"></div><div class="chart" id="chart-bound"></div>
<h2>Paper-style table</h2><div id="paper"></div>
</div>`;
    const tbody = app.querySelector('#trials tbody');
    const drawCards = (s) => {
      document.getElementById('sweep-status').innerHTML = status(s.status);
      document.getElementById('cards').innerHTML = [
        ['done', `${s.done}/${s.total}`],
        ['running', s.running],
        ['queued', s.queued],
        ['failed', s.failed],
        ['cancelled', s.cancelled],
        ['epochs', `${s.epochsDone}/${s.epochsTotal}`],
        ['ETA', s.status === 'running' ? dur(s.etaSeconds) : '–'],
      ]
        .map(([k, v]) => `<div class="card"><span class="muted">${k}</span><b id="card-${k}">${esc(v)}</b></div>`)
        .join('');
      document.getElementById('actions').innerHTML = actions(s);
      bindActions(
        document.getElementById('actions'),
        id,
        () => void api(`/api/sweeps/${encodeURIComponent(id)}`).then((d) => drawCards(d.sweep)),
      );
    };
    drawCards(data.sweep);
    const rowHtml = (t) =>
      `<td><a href="/trials/${encodeURIComponent(t.trial)}">${esc(String(t.trial).slice(0, 9))}…</a></td><td>${status(t.status)}${t.status === 'running' && t.phase ? ` <span class="muted">${esc(t.phase)}</span>` : ''}</td><td>${esc(t.objective)}</td>
<td class="num">${esc(t.layers)}</td><td class="num">${esc(t.k)}</td><td class="num">${esc(t.latent)}</td>${data.configColumns.map((c) => `<td class="num" data-col="${esc(c)}">${esc(t.config?.[c] ?? '–')}</td>`).join('')}<td class="num">${esc(t.seed)}</td><td class="num epochs">${esc(t.epochsDone)}/${esc(t.epochs)}</td>
<td class="num">${num(t.lastTrainBound)}</td><td class="num">${num(t.testNll)}</td><td class="num">${esc(t.activeUnitsPerLayer?.join('+') ?? '–')}</td><td class="num">${esc(t.attempts)}</td><td class="muted">${esc(t.worker ?? '')}</td>`;
    function upsertRow(t) {
      state.rows.set(t.trial, t);
      const tr = [...tbody.querySelectorAll('tr')].find((r) => r.dataset.id === t.trial);
      if (!tr) return;
      tr.innerHTML = rowHtml(t);
    }
    async function loadTable() {
      const params = new URLSearchParams(Object.entries(state.query).filter(([, v]) => v !== '' && v !== undefined));
      let page;
      try {
        page = await api(`/api/sweeps/${encodeURIComponent(id)}/trials?${params}`);
        document.getElementById('filter-error').textContent = '';
      } catch (err) {
        // A bad filter (unknown column, no operator) says why, and the table stays as it was.
        document.getElementById('filter-error').textContent = err.message;
        return;
      }
      tbody.innerHTML = page.rows
        .map((t) => `<tr data-id="${esc(t.trial)}" class="${state.selected.has(t.trial) ? 'selected' : ''}">${rowHtml(t)}</tr>`)
        .join('');
      for (const t of page.rows) state.rows.set(t.trial, t);
      const { offset, limit } = state.query;
      document.getElementById('pager').innerHTML =
        `${page.total ? offset + 1 : 0}–${Math.min(offset + limit, page.total)} of ${esc(page.total)}
        <button id="prev" ${offset === 0 ? 'disabled' : ''}>previous</button><button id="next" ${offset + limit >= page.total ? 'disabled' : ''}>next</button>`;
      document.getElementById('prev').onclick = () => {
        state.query.offset = Math.max(0, offset - limit);
        void loadTable();
      };
      document.getElementById('next').onclick = () => {
        state.query.offset = offset + limit;
        void loadTable();
      };
      for (const th of app.querySelectorAll('#trials th.sortable')) {
        th.classList.toggle('sorted', th.dataset.sort === state.query.sort);
        th.dataset.arrow = state.query.dir === 'asc' ? '▲' : '▼';
      }
      if (state.selected.size === 0) {
        // Plot the running trials, else the first rows.
        const pick = page.rows
          .filter((t) => t.status === 'running')
          .concat(page.rows)
          .slice(0, 6);
        for (const t of pick) state.selected.add(t.trial);
        for (const tr of tbody.querySelectorAll('tr')) tr.classList.toggle('selected', state.selected.has(tr.dataset.id));
        await loadCurves();
      }
      document.body.dataset.tableReady = 'true';
    }
    for (const th of app.querySelectorAll('#trials th.sortable')) {
      th.addEventListener('click', () => {
        state.query.dir = state.query.sort === th.dataset.sort && state.query.dir === 'asc' ? 'desc' : 'asc';
        state.query.sort = th.dataset.sort;
        state.query.offset = 0;
        void loadTable();
      });
    }
    for (const input of app.querySelectorAll('#filters select, #filters input')) {
      input.addEventListener('change', () => {
        state.query[input.name] = input.value;
        state.query.offset = 0;
        void loadTable();
      });
    }
    tbody.addEventListener('click', (ev) => {
      const tr = ev.target.closest('tr');
      if (!tr || ev.target.closest('a')) return;
      if (state.selected.has(tr.dataset.id)) state.selected.delete(tr.dataset.id);
      else state.selected.add(tr.dataset.id);
      tr.classList.toggle('selected');
      void loadCurves();
    });

    let chart;
    const chartEl = document.getElementById('chart-curves');
    // The figure the live chart compares: the held-out validation bound when every selected trial
    // records it (the same bound for all), else train L_K, else (older workers) the objective.
    function curveFigure(ids) {
      const every = (key) => ids.every((t) => state.curves.get(t).some((e) => e[key] !== null && e[key] !== undefined));
      if (ids.length && every('validationBound')) return { key: 'validationBound', label: 'validation L_k (nats)' };
      if (ids.length && every('trainIwae')) return { key: 'trainIwae', label: `${trainLkLabel("each trial's k")} (nats)` };
      return { key: 'trainBound', label: 'training objective (nats)' };
    }
    let figure;
    function drawCurves() {
      const ids = [...state.selected].filter((t) => state.curves.has(t));
      const next = curveFigure(ids);
      const series = ids.map((t) =>
        state.curves
          .get(t)
          .filter((e) => e[next.key] !== null && e[next.key] !== undefined)
          .map((e) => ({ x: e.epoch, y: e[next.key] })),
      );
      const points = series.reduce((a, s) => a + s.length, 0);
      chartEl.dataset.points = String(points);
      if (ids.length === 0) {
        chartEl.innerHTML = '<p class="muted">no trial selected</p>';
        chart = undefined;
        return;
      }
      const labels = ids.map((t) => (state.rows.get(t) ? label(state.rows.get(t)) : t));
      const data = IwaeCharts.align(series);
      if (chart && chart.series.length === ids.length + 1 && figure?.key === next.key) chart.setData(data);
      else {
        figure = next;
        chart?.destroy();
        chart = new uPlot(
          {
            width: Math.min(chartEl.clientWidth || 900, 1150),
            height: 300,
            scales: { x: { time: false } },
            axes: [
              { label: 'epoch', incrs: IwaeCharts.INTEGER_STEPS, values: (_u, ticks) => ticks.map(String) },
              { label: next.label, size: 70 },
            ],
            series: [
              { label: 'epoch', value: (_u, v) => (v == null ? '' : String(v)) },
              ...labels.map((l) => ({
                label: l,
                value: (_u, v) => (v == null ? '' : v.toFixed(2)),
                stroke: IwaeCharts.colorOf(l),
                width: 1.5,
                spanGaps: true,
                points: { size: 5 },
              })),
            ],
          },
          data,
          chartEl,
        );
      }
    }
    async function loadCurves() {
      const ids = [...state.selected];
      const epochs = ids.length ? await api(`/api/epochs?trials=${ids.join(',')}`) : [];
      state.curves = new Map(ids.map((t) => [t, []]));
      for (const e of epochs) state.curves.get(e.trialId)?.push(e);
      drawCurves();
      openEvents();
    }

    let source;
    function openEvents() {
      source?.close();
      const watch = [...state.selected].join(',');
      source = new EventSource(`/api/sweeps/${encodeURIComponent(id)}/events?since=${state.since}&watch=${watch}`);
      source.addEventListener('trials', (ev) => {
        for (const t of JSON.parse(ev.data)) {
          state.since = Math.max(state.since, t.updatedAt);
          upsertRow(t);
        }
      });
      source.addEventListener('summary', (ev) => drawCards(JSON.parse(ev.data)));
      source.addEventListener('epochs', (ev) => {
        for (const e of JSON.parse(ev.data)) {
          const list = state.curves.get(e.trialId);
          if (list && !list.some((x) => x.epoch === e.epoch)) list.push(e);
        }
        for (const list of state.curves.values()) list.sort((a, b) => a.epoch - b.epoch);
        drawCurves();
      });
    }

    await loadTable();
    if (data.paperTable.length) IwaeCharts.nllVsK(document.getElementById('chart-nll'), data.paperTable);
    else document.getElementById('chart-nll').innerHTML = '<p class="muted">no finished trials yet</p>';
    if (data.boundCurves.length) IwaeCharts.boundVsK(document.getElementById('chart-bound'), data.boundCurves);
    else document.getElementById('chart-bound').remove();
    document.getElementById('paper').innerHTML = data.paperTable.length
      ? `<table><thead><tr><th>layers</th><th>latent</th><th>K</th><th>objective</th><th class="num">NLL (−L<sub>evalK</sub>)</th><th class="num">± sd</th><th class="num">${esc(JACKKNIFE_LABEL)}</th><th class="num">ESS median</th><th class="num">active units</th><th class="num">seeds</th></tr></thead><tbody>${data.paperTable
          .map(
            (r) =>
              `<tr><td>${esc(r.layers)}</td><td>${esc(r.latent)}</td><td>${esc(r.k)}</td><td>${esc(r.objective)}</td><td class="num">${num(r.nllMean)}</td><td class="num">${num(r.nllSd)}</td><td class="num">${num(r.jackknifeMean)}</td><td class="num${essTooLow(r.essMedianMean, r.evalK) ? ' ess-low" title="ESS ≪ K: no estimate beyond the bound is reliable' : ''}">${num(r.essMedianMean, 1)}</td><td class="num">${r.unitsPerLayerMean.map((u) => num(u, 1)).join('+')}</td><td class="num">${esc(r.trials)}</td></tr>`,
          )
          .join('')}</tbody></table>`
      : '<p class="muted">no finished trials yet</p>';
    document.body.dataset.ready = 'true';
  }

  // ---------------------------------------------------------------- one trial
  async function trialPage(id) {
    const { trial, config, epochs } = await api(`/api/trials/${encodeURIComponent(id)}`);
    // Names of the epoch figures (a trial whose config is missing still shows its numbers).
    const cfg = config ?? { k: trial.k, validationK: 100, validationSize: 0 };
    const draw = (t, eps) => {
      app.innerHTML = `<h1>Trial <code>${esc(t.id)}</code> ${status(t.status)}</h1>
<p><a href="/sweeps/${encodeURIComponent(t.sweepId)}">sweep ${esc(t.sweepId)}</a></p>
<dl class="kv">${[
        ['model', label(t)],
        ['phase', t.phase],
        ['epochs', `${t.epochsDone}/${t.epochsTotal}`],
        ['test NLL', t.testNll === null ? '–' : `${num(t.testNll)} (−L_${t.evalK})`],
        [JACKKNIFE_LABEL, num(t.testJackknife)],
        [
          'effective sample size',
          t.testEssMedian === null || t.testEssMedian === undefined
            ? '–'
            : `median ${num(t.testEssMedian, 1)}, mean ${num(t.testEssMean, 1)} of ${t.evalK}${essTooLow(t.testEssMedian, t.evalK) ? ' — ESS ≪ K: no estimate beyond the bound is reliable' : ''}`,
        ],
        [TRAIN_ELBO_LABEL, num(eps.at(-1)?.trainElbo)],
        [trainLkLabel(cfg.k), num(eps.at(-1)?.trainIwae)],
        ...(cfg.validationSize > 0 ? [[validationLabel(cfg.validationK), num(eps.at(-1)?.validationBound)]] : []),
        ['training objective', num(t.trainBound ?? t.lastTrainBound)],
        ['active units', t.activeUnitsPerLayer ? JSON.parse(t.activeUnitsPerLayer).join('+') : '–'],
        ['host', t.host],
        ['worker', t.workerId],
        ['backend', t.backend],
        ['attempts', t.attempts],
        ['started', time(t.startedAt)],
        ['finished', time(t.finishedAt)],
        ['code (git)', t.gitSha],
      ]
        .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v ?? '–')}</dd>`)
        .join('')}</dl>
${t.error ? `<h2>Error</h2><pre id="error">${esc(t.errorStack || t.error)}</pre>` : ''}
<h2>Bounds per epoch</h2><div class="chart" id="chart-trial" data-points="${eps.length}"></div>
<table id="epochs"><thead><tr><th class="num">epoch</th><th class="num">${esc(TRAIN_ELBO_LABEL)}</th><th class="num">${esc(trainLkLabel(cfg.k))}</th><th class="num">${esc(cfg.validationSize > 0 ? validationLabel(cfg.validationK) : 'validation')}</th><th class="num">seconds</th><th class="num">examples/s</th><th class="num">learning rate</th></tr></thead><tbody>
${eps.map((e) => `<tr><td class="num">${esc(e.epoch)}</td><td class="num">${num(e.trainElbo, 3)}</td><td class="num">${num(e.trainIwae, 3)}</td><td class="num">${num(e.validationBound, 3)}</td><td class="num">${num(e.seconds, 1)}</td><td class="num">${num(e.examplesPerSecond, 0)}</td><td class="num">${esc(e.learningRate?.toPrecision?.(3) ?? '–')}</td></tr>`).join('')}
</tbody></table>
<h2>Config</h2><pre>${esc(JSON.stringify(config, null, 2))}</pre>`;
      if (eps.length) {
        const figures = [
          ['trainElbo', TRAIN_ELBO_LABEL],
          ['trainIwae', trainLkLabel(cfg.k)],
          ['validationBound', validationLabel(cfg.validationK)],
        ].filter(([key]) => eps.some((e) => e[key] !== null && e[key] !== undefined));
        IwaeCharts.figuresPerEpoch(
          document.getElementById('chart-trial'),
          eps,
          figures.length ? figures : [['trainBound', 'training objective']],
        );
      }
      document.body.dataset.ready = 'true';
    };
    let current = trial;
    const all = [...epochs];
    draw(current, all);
    const source = new EventSource(`/api/trials/${encodeURIComponent(id)}/events?since=${Date.now()}`);
    source.addEventListener('trial', (ev) => {
      const msg = JSON.parse(ev.data);
      if (msg.trial) current = msg.trial;
      for (const e of msg.epochs) if (!all.some((x) => x.epoch === e.epoch)) all.push(e);
      all.sort((a, b) => a.epoch - b.epoch);
      void api(`/api/trials/${encodeURIComponent(id)}`).then((d) => draw(d.trial, d.epochs));
    });
  }

  const path = location.pathname.split('/').map(decodeURIComponent);
  const run = new Map([
    ['sweeps', () => sweepsPage()],
    ['sweep', () => sweepPage(path[2])],
    ['trial', () => trialPage(path[2])],
  ]).get(document.body.dataset.page);
  run?.().catch((err) => {
    app.innerHTML = `<p class="message">error: ${esc(err.message)}</p>`;
  });
})();
