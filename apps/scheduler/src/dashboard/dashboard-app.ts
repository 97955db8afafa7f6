import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { IwaeSweepError, isSweepId, SWEEP_ID_EXPECTED } from '@iwae-sweep/core';
import type { EpochPoint, ResultsDb } from '@iwae-sweep/db';
import type { SweepQueues } from '@iwae-sweep/queue';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { renderResults } from '../results-columns.ts';
import { deadRun } from '../shown-status.ts';
import { controlSweep } from '../sweep-control.ts';
import { withResolvedBackends } from '../worker-backends.ts';
import type { AllowedHosts } from './allowed-hosts.ts';
import { sweepDetail, trialDetail } from './api-payloads.ts';
import { changedTrials, newEpochs, sweepView, type TableRow, trialPage, trialQuerySchema } from './dashboard-data.ts';
import { LiveCursor } from './live-cursor.ts';
import { metricsRegistry } from './metrics.ts';
import { pageHtml } from './page.ts';
import { refuse, requestGuard, shown } from './request-guard.ts';
import { rungsPayload } from './rung-payload.ts';
import { securityHeaders } from './security-headers.ts';
import { tokenAuth } from './token-auth.ts';

export interface DashboardOptions {
  db: ResultsDb;
  queues?: SweepQueues | undefined;
  token?: string | undefined;
  /** The Host names this server answers to (see AllowedHosts). */
  hosts: AllowedHosts;
  /** Whether bull-board may change queues; read-only otherwise. */
  bullBoardWrites?: boolean | undefined;
  /** Where unexpected errors are reported (the browser gets one line without internals). */
  log?: ((line: string) => void) | undefined;
  /** How often live views poll the DB for changes. */
  pollMs?: number;
}

const require = createRequire(import.meta.url);
/** The largest request body accepted (our actions have none; bull-board's job edits are small). */
const MAX_BODY_BYTES = 256 * 1024;
/** Changed trial rows one poll of a live page reads at most (the rest come with the next polls). */
const CHANGED_ROWS = 500;
const WEB_DIR = new URL('../web/', import.meta.url);
const asset = (path: string) => readFileSync(new URL(path, WEB_DIR), 'utf8');

/**
 * A live view's `since`: the time (ms since the epoch) up to which its page has every row. Digits
 * only: Number() would take '' and ' ' for 0, and anything else for NaN, which no stamp is ever
 * after (the stream then sent nothing, ever).
 */
const sinceSchema = z
  .string()
  .regex(/^\d+(\.\d+)?$/)
  .transform(Number)
  .refine((n) => Number.isFinite(n));

/** `since` of a live view's request (absent: now, the page has nothing yet), or its refusal. */
function liveSince(c: Context): number | Response {
  const value = c.req.query('since');
  if (value === undefined) return Date.now();
  const parsed = sinceSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  return refuse(c, 400, `since: expected a time in ms since the epoch (a finite number, 0 or more), got ${shown(value)}`);
}

/**
 * The dashboard: pages, a JSON API, live updates over server-sent events (from the DB, so it
 * shows local and distributed sweeps alike), actions, Prometheus metrics and, with Redis,
 * bull-board. No SQL is accepted from the browser.
 */
export function dashboardApp(opts: DashboardOptions): Hono {
  const { db, queues } = opts;
  const pollMs = opts.pollMs ?? 1000;
  const app = new Hono();
  // Order matters: headers on every response (refusals too), then where the request comes from,
  // then who sends it, then how much it sends.
  app.use('*', securityHeaders);
  app.use('*', requestGuard({ hosts: opts.hosts, bullBoardWrites: opts.bullBoardWrites ?? false }));
  app.use('*', tokenAuth(opts.token));
  app.use(
    '*',
    bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => refuse(c, 413, `request body over ${MAX_BODY_BYTES} bytes refused`) }),
  );
  app.onError((err, c) => {
    if (err instanceof IwaeSweepError) return c.json({ error: err.message }, 400);
    // Unexpected: say so in one line, without internals.
    opts.log?.(`error: ${c.req.method} ${c.req.path}: ${err.stack ?? err.message}`);
    return c.json({ error: 'internal error (see the serve log)' }, 500);
  });

  // Static assets: our page code and uPlot, read once.
  // A Map, so that a name like "constructor" is just a name that is not there.
  // Every browser file of web/ (the page's modules import each other by these names).
  const assets = new Map<string, { type: string; body: string }>([
    ...readdirSync(WEB_DIR)
      .filter((f) => f.endsWith('.js'))
      .map((f): [string, { type: string; body: string }] => [f, { type: 'text/javascript', body: asset(f) }]),
    ['dashboard.css', { type: 'text/css', body: asset('dashboard.css') }],
    ['favicon.svg', { type: 'image/svg+xml', body: asset('favicon.svg') }],
    ['uplot.js', { type: 'text/javascript', body: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8') }],
    ['uplot.css', { type: 'text/css', body: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8') }],
  ]);
  app.get('/assets/:name', (c) => {
    const a = assets.get(c.req.param('name'));
    if (!a) return c.notFound();
    c.header('cache-control', 'max-age=300');
    return c.body(a.body, 200, { 'content-type': a.type });
  });

  // Browsers ask for /favicon.ico whatever the page links: the same icon, so the console shows no 404.
  app.get('/favicon.ico', (c) => {
    c.header('cache-control', 'max-age=86400');
    return c.body(assets.get('favicon.svg')?.body ?? '', 200, { 'content-type': 'image/svg+xml' });
  });
  app.get('/', (c) => c.html(pageHtml('sweeps', { queues: Boolean(queues) })));
  app.get('/sweeps/:id', (c) => c.html(pageHtml('sweep', { queues: Boolean(queues) })));
  app.get('/trials/:id', (c) => c.html(pageHtml('trial', { queues: Boolean(queues) })));

  app.get('/api/sweeps', (c) => c.json(db.sweepSummaries().map((s) => sweepView(s, db.file))));
  // The workers' heartbeats (distributed mode): host, backend/GPU, running trials, last seen.
  app.get('/api/workers', async (c) => c.json(queues ? withResolvedBackends(db, await queues.workerRegistry().list()) : []));
  app.get('/api/sweeps/:id', (c) => {
    const id = c.req.param('id');
    const [s] = db.sweepSummaries(id);
    if (!s) return c.json({ error: `no sweep "${id}"` }, 404);
    return c.json(sweepDetail(db, s, Boolean(queues)));
  });
  app.get('/api/sweeps/:id/rungs', (c) => {
    const id = c.req.param('id');
    if (!db.sweepSummaries(id)[0]) return c.json({ error: `no sweep "${id}"` }, 404);
    return c.json(rungsPayload(db, id));
  });
  app.get('/api/sweeps/:id/trials', (c) => {
    const q = trialQuerySchema.safeParse(c.req.query());
    if (!q.success) return c.json({ error: q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') }, 400);
    return c.json(trialPage(db, c.req.param('id'), q.data));
  });
  // A regex segment: the plain `export.:format` pattern stops matching once bull-board's routes
  // are mounted (hono's router), which broke exports in distributed mode.
  app.get('/api/sweeps/:id/:file{export\\.[a-z]+}', (c) => {
    const format = c.req.param('file').slice('export.'.length);
    const id = c.req.param('id');
    if (format !== 'csv' && format !== 'json') return refuse(c, 400, 'export format: csv or json');
    // The id becomes a file name in a header: only ids that can exist, so nothing needs quoting.
    if (!isSweepId(id)) return refuse(c, 400, `sweep id: expected ${SWEEP_ID_EXPECTED}`);
    const rows = db.results({ sweepId: id });
    c.header(
      'content-disposition',
      `attachment; filename="${id}.${format}"; filename*=UTF-8''${encodeURIComponent(id)}.${format}`,
    );
    return c.body(renderResults(format, rows), 200, {
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
    const detail = trialDetail(db, c.req.param('id'));
    if (!detail) return c.json({ error: `no trial "${c.req.param('id')}"` }, 404);
    return c.json(detail);
  });

  // Live updates: trial rows changed since the last tick, the sweep's counts, and new epochs of
  // the trials the page plots (`watch=id,id`).
  app.get('/api/sweeps/:id/events', (c) => {
    const id = c.req.param('id');
    const watch = (c.req.query('watch') ?? '')
      .split(',')
      .filter((w) => /^t[0-9a-f]{20}$/.test(w))
      .slice(0, 50);
    const since = liveSince(c);
    if (since instanceof Response) return since;
    return streamSSE(c, async (stream) => {
      // Each poll reads the last seconds again and sends what this page lacks (see LiveCursor).
      const rows = new LiveCursor<TableRow>(
        since,
        Date.now(),
        (t) => t.trial,
        (t) => t.updatedAt,
      );
      const points = new LiveCursor<EpochPoint>(
        since,
        Date.now(),
        (e) => `${e.trialId}:${e.epoch}`,
        (e) => e.recordedAt,
      );
      let dead = deadRun(db, id);
      let open = true;
      stream.onAbort(() => {
        open = false;
      });
      while (open) {
        const now = Date.now();
        const limit = CHANGED_ROWS + rows.remembered;
        const read = changedTrials(db, id, rows.since, limit);
        const trials = rows.take(read, now, read.length < limit);
        // A local run that dies writes nothing: its running trials turn "interrupted" for the page all the same.
        const deadNow = deadRun(db, id);
        if (deadNow !== dead) {
          dead = deadNow;
          trials.push(...trialPage(db, id, trialQuerySchema.parse({ status: 'running', limit: 1000 })).rows);
        }
        const epochs = points.take(newEpochs(db, watch, points.since), now, true);
        if (trials.length > 0) {
          await stream.writeSSE({ event: 'trials', data: JSON.stringify(trials) });
          const [s] = db.sweepSummaries(id);
          if (s) await stream.writeSSE({ event: 'summary', data: JSON.stringify(sweepView(s, db.file)) });
        }
        if (epochs.length > 0) await stream.writeSSE({ event: 'epochs', data: JSON.stringify(epochs) });
        await stream.sleep(pollMs);
      }
    });
  });
  app.get('/api/trials/:id/events', (c) => {
    const id = c.req.param('id');
    const from = liveSince(c);
    if (from instanceof Response) return from;
    return streamSSE(c, async (stream) => {
      let since = from;
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
  app.post('/api/sweeps/:id/:action', async (c) => {
    const action = actionSchema.safeParse(c.req.param('action'));
    if (!action.success) return c.json({ error: 'action: cancel, pause or resume' }, 400);
    // Answered here so that the browser is not told where the DB file lives.
    const id = c.req.param('id');
    if (!db.sweepSummaries(id)[0]) return c.json({ error: `no sweep "${id}"` }, 404);
    const message = await controlSweep(db, queues, id, action.data);
    return c.json({ ok: true, message });
  });

  const registry = metricsRegistry(db, queues);
  app.get('/metrics', async (c) => c.body(await registry.metrics(), 200, { 'content-type': registry.contentType }));

  if (queues) {
    const adapter = new HonoAdapter(serveStatic);
    const readOnlyMode = !opts.bullBoardWrites;
    createBullBoard({
      queues: [new BullMQAdapter(queues.trials, { readOnlyMode }), new BullMQAdapter(queues.results, { readOnlyMode })],
      serverAdapter: adapter,
    });
    adapter.setBasePath('/queues');
    app.route('/queues', adapter.registerPlugin());
  }
  return app;
}
