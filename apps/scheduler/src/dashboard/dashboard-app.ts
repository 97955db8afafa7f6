import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { IwaeSweepError } from '@iwae-sweep/core';
import type { ResultsDb } from '@iwae-sweep/db';
import type { SweepQueues } from '@iwae-sweep/queue';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { render } from '../format-table.ts';
import { buildReportData } from '../report/report-data.ts';
import { resultColumns } from '../results-columns.ts';
import { controlSweep } from '../sweep-control.ts';
import { changedTrials, newEpochs, sweepView, trialPage, trialQuerySchema } from './dashboard-data.ts';
import { metricsRegistry } from './metrics.ts';
import { pageHtml } from './page.ts';
import { actionGuard, tokenAuth } from './token-auth.ts';

export interface DashboardOptions {
  db: ResultsDb;
  queues?: SweepQueues | undefined;
  token?: string | undefined;
  /** How often live views poll the DB for changes. */
  pollMs?: number;
}

const require = createRequire(import.meta.url);
const asset = (path: string) => readFileSync(new URL(`../web/${path}`, import.meta.url), 'utf8');

/**
 * The dashboard: pages, a JSON API, live updates over server-sent events (from the DB, so it
 * shows local and distributed sweeps alike), actions, Prometheus metrics and, with Redis,
 * bull-board. No SQL is accepted from the browser.
 */
export function dashboardApp(opts: DashboardOptions): Hono {
  const { db, queues } = opts;
  const pollMs = opts.pollMs ?? 1000;
  const app = new Hono();
  app.use('*', tokenAuth(opts.token));
  app.onError((err, c) => {
    const status = err instanceof IwaeSweepError ? 400 : 500;
    return c.json({ error: err.message }, status);
  });

  // Static assets: our page code and uPlot, read once.
  const assets: Record<string, { type: string; body: string }> = {
    'dashboard.js': { type: 'text/javascript', body: asset('dashboard.js') },
    'charts.js': { type: 'text/javascript', body: asset('charts.js') },
    'dashboard.css': { type: 'text/css', body: asset('dashboard.css') },
    'uplot.js': { type: 'text/javascript', body: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8') },
    'uplot.css': { type: 'text/css', body: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8') },
  };
  app.get('/assets/:name', (c) => {
    const a = assets[c.req.param('name')];
    if (!a) return c.notFound();
    c.header('cache-control', 'max-age=300');
    return c.body(a.body, 200, { 'content-type': a.type });
  });

  app.get('/', (c) => c.html(pageHtml('sweeps', { queues: Boolean(queues) })));
  app.get('/sweeps/:id', (c) => c.html(pageHtml('sweep', { queues: Boolean(queues) })));
  app.get('/trials/:id', (c) => c.html(pageHtml('trial', { queues: Boolean(queues) })));

  app.get('/api/sweeps', (c) => c.json(db.sweepSummaries().map(sweepView)));
  app.get('/api/sweeps/:id', (c) => {
    const id = c.req.param('id');
    const [s] = db.sweepSummaries(id);
    if (!s) return c.json({ error: `no sweep "${id}"` }, 404);
    const report = buildReportData(db, id);
    return c.json({
      sweep: { ...sweepView(s), spec: report.sweep.spec },
      paperTable: report.paperTable,
      boundCurves: report.boundCurves,
      learningCurves: report.learningCurves,
      totals: report.totals,
      queues: Boolean(queues),
    });
  });
  app.get('/api/sweeps/:id/trials', (c) => {
    const q = trialQuerySchema.safeParse(c.req.query());
    if (!q.success) return c.json({ error: q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }, 400);
    return c.json(trialPage(db, c.req.param('id'), q.data));
  });
  app.get('/api/sweeps/:id/export.:format', (c) => {
    const format = c.req.param('format');
    if (format !== 'csv' && format !== 'json') return c.json({ error: 'export format: csv or json' }, 400);
    const rows = db.results({ sweepId: c.req.param('id') });
    c.header('content-disposition', `attachment; filename="${c.req.param('id')}.${format}"`);
    return c.body(render(format, rows, resultColumns(rows)), 200, {
      'content-type': format === 'csv' ? 'text/csv' : 'application/json',
    });
  });
  app.get('/api/epochs', (c) => {
    const ids = (c.req.query('trials') ?? '')
      .split(',')
      .filter((w) => /^t[0-9a-f]{20}$/.test(w))
      .slice(0, 50);
    return c.json(newEpochs(db, ids, -1));
  });
  app.get('/api/trials/:id', (c) => {
    const t = db.getTrial(c.req.param('id'));
    if (!t) return c.json({ error: `no trial "${c.req.param('id')}"` }, 404);
    return c.json({
      trial: t,
      config: db.trialConfig(t.id) ?? null,
      epochs: db.epochsOf(t.id),
    });
  });

  // Live updates: trial rows changed since the last tick, the sweep's counts, and new epochs of
  // the trials the page plots (`watch=id,id`).
  app.get('/api/sweeps/:id/events', (c) => {
    const id = c.req.param('id');
    const watch = (c.req.query('watch') ?? '')
      .split(',')
      .filter((w) => /^t[0-9a-f]{20}$/.test(w))
      .slice(0, 50);
    return streamSSE(c, async (stream) => {
      let since = Number(c.req.query('since') ?? Date.now());
      let epochSince = since;
      let open = true;
      stream.onAbort(() => {
        open = false;
      });
      while (open) {
        const now = Date.now();
        const trials = changedTrials(db, id, since);
        const epochs = newEpochs(db, watch, epochSince);
        if (trials.length > 0) {
          since = Math.max(since, ...trials.map((t) => t.updatedAt));
          await stream.writeSSE({ event: 'trials', data: JSON.stringify(trials) });
          const [s] = db.sweepSummaries(id);
          if (s) await stream.writeSSE({ event: 'summary', data: JSON.stringify(sweepView(s)) });
        }
        if (epochs.length > 0) await stream.writeSSE({ event: 'epochs', data: JSON.stringify(epochs) });
        epochSince = now - 1; // epochs are written with recorded_at ≤ now
        await stream.sleep(pollMs);
      }
    });
  });
  app.get('/api/trials/:id/events', (c) => {
    const id = c.req.param('id');
    return streamSSE(c, async (stream) => {
      let since = Number(c.req.query('since') ?? Date.now());
      let open = true;
      stream.onAbort(() => {
        open = false;
      });
      while (open) {
        const now = Date.now();
        const epochs = newEpochs(db, [id], since);
        const t = db.getTrial(id);
        if (epochs.length > 0 || (t && t.updatedAt > since)) {
          await stream.writeSSE({ event: 'trial', data: JSON.stringify({ trial: t, epochs }) });
        }
        since = now - 1;
        await stream.sleep(pollMs);
      }
    });
  });

  const actionSchema = z.enum(['cancel', 'pause', 'resume']);
  app.post('/api/sweeps/:id/:action', actionGuard, async (c) => {
    const action = actionSchema.safeParse(c.req.param('action'));
    if (!action.success) return c.json({ error: 'action: cancel, pause or resume' }, 400);
    const message = await controlSweep(db, queues, c.req.param('id'), action.data);
    return c.json({ ok: true, message });
  });

  const registry = metricsRegistry(db, queues);
  app.get('/metrics', async (c) => c.body(await registry.metrics(), 200, { 'content-type': registry.contentType }));

  if (queues) {
    const adapter = new HonoAdapter(serveStatic);
    createBullBoard({ queues: [new BullMQAdapter(queues.trials), new BullMQAdapter(queues.results)], serverAdapter: adapter });
    adapter.setBasePath('/queues');
    app.route('/queues', adapter.registerPlugin());
  }
  return app;
}
