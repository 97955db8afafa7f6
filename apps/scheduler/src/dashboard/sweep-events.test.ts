import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandSweep, sweepSpecFromObject } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DashboardServer, startDashboard } from './dashboard-server.ts';

// The sweep page's event stream on a real DB and a real server, with the writes stamped as the
// interleavings that lost them stamp them: a second row in the millisecond of the last one sent,
// and a row stamped before a poll that had already passed (its writer waited for the write lock).
const dir = mkdtempSync(join(tmpdir(), 'iwae-sweep-events-'));
const plan = expandSweep(
  sweepSpecFromObject({
    name: 'live',
    base: { objective: 'iwae', k: 2, trainSize: 100, testSize: 10, epochs: 3, evalK: 10, batchSize: 10 },
    seeds: 2,
  }),
);
const [a, b] = plan.trials;
if (!a || !b) throw new Error('two trials expected');
const epoch = (n: number) => ({ epoch: n, trainBound: -100 + n, seconds: 1, examplesPerSecond: 10, learningRate: 0.001 });

let db: ResultsDb;
let server: DashboardServer;
beforeAll(async () => {
  db = ResultsDb.open(join(dir, 'iwae.db'));
  db.saveSweep({ id: plan.sweepId, spec: plan.spec, mode: 'redis' });
  db.addTrials(plan.sweepId, plan.trials);
  server = await startDashboard({ db, port: 0, pollMs: 20 });
});
afterAll(async () => {
  await server?.close();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Row = { trial: string; status: string; phase: string | null; epochsDone: number };
type Point = { trialId: string; epoch: number };

/** A page's stream: every event it has received so far, and a wait for one that matches. */
async function openStream(since: number) {
  const abort = new AbortController();
  const res = await fetch(`${server.url}/api/sweeps/${plan.sweepId}/events?since=${since}&watch=${a?.id},${b?.id}`, {
    signal: abort.signal,
  });
  if (!res.body) throw new Error('no event stream');
  const rows: Row[] = [];
  const points: Point[] = [];
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += value;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const text = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(text)?.[1];
        const data = JSON.parse(/^data: (.*)$/m.exec(text)?.[1] ?? 'null');
        if (event === 'trials') rows.push(...(data as Row[]));
        if (event === 'epochs') points.push(...(data as Point[]));
      }
    }
  })();
  /** Waits until the page has been sent what `seen` looks for (polls every 20 ms; 10 s for a loaded machine). */
  const until = async (seen: () => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!seen()) {
      if (Date.now() > deadline) {
        throw new Error(
          `the page was never sent ${what}; it got ${JSON.stringify(rows.map((r) => [r.trial.slice(0, 6), r.status, r.phase, r.epochsDone]))}`,
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const close = async () => {
    abort.abort();
    await reading;
  };
  return { rows, points, until, close };
}

const sent = (rows: Row[], id: string, test: (r: Row) => boolean) => rows.some((r) => r.trial === id && test(r));

describe('the sweep page event stream', () => {
  it('sends a row written in the same millisecond as the last row sent, after the poll that sent it', async () => {
    const page = await openStream(Date.now());
    try {
      const t = Date.now();
      db.trialStarted(a.id, { workerId: 'w:1' }, t);
      await page.until(() => sent(page.rows, a.id, (r) => r.status === 'running'), 'trial a running');
      // Another trial, then the same trial again (its epoch, then its stop at the rung), in that millisecond.
      db.trialStarted(b.id, { workerId: 'w:2' }, t);
      await page.until(() => sent(page.rows, b.id, (r) => r.status === 'running'), 'trial b running');
      db.recordEpoch(a.id, epoch(1), t);
      await page.until(() => sent(page.rows, a.id, (r) => r.epochsDone === 1), 'epoch 1 of trial a');
      db.rungs.trialStopped(a.id, { epoch: 1, metric: -99, reason: 'ranks 2nd of 2' }, t);
      await page.until(() => sent(page.rows, a.id, (r) => r.status === 'stopped'), 'trial a stopped');
    } finally {
      await page.close();
    }
  });

  it('sends a row and an epoch committed after a poll that their stamps precede', async () => {
    const page = await openStream(Date.now());
    try {
      db.trialPhase(a.id, 'evaluating', {}, Date.now());
      await page.until(() => sent(page.rows, a.id, (r) => r.phase === 'evaluating'), 'trial a evaluating');
      // Stamped two seconds ago (when its writer began to wait for the write lock), committed now.
      db.trialPhase(b.id, 'training', {}, Date.now() - 2000);
      await page.until(() => sent(page.rows, b.id, (r) => r.phase === 'training'), 'trial b training');
      db.recordEpoch(b.id, epoch(1), Date.now() - 2000);
      await page.until(() => page.points.some((p) => p.trialId === b.id && p.epoch === 1), 'epoch 1 of trial b');
      // Sent once each, however many polls read them again.
      await new Promise((r) => setTimeout(r, 200));
      expect(page.points.filter((p) => p.trialId === b.id && p.epoch === 1)).toHaveLength(1);
      expect(page.rows.filter((r) => r.trial === b.id && r.phase === 'training' && r.epochsDone === 0)).toHaveLength(1);
    } finally {
      await page.close();
    }
  });
});

describe('the live streams refuse a `since` that is no time', () => {
  // Number('abc') is NaN, and no stamp is after NaN: the sweep page's stream sent nothing, ever.
  it.each([
    ['a word', 'abc'],
    ['a negative number', '-5'],
    ['empty', ''],
    ['an exponent', '1e3'],
    ['past the largest number (Infinity)', '9'.repeat(400)],
  ])('since %s: 400, one line naming it', async (_what, since) => {
    for (const path of [`/api/sweeps/${plan.sweepId}/events`, `/api/trials/${a.id}/events`]) {
      const abort = new AbortController();
      const res = await fetch(`${server.url}${path}?since=${encodeURIComponent(since)}`, { signal: abort.signal });
      try {
        expect(res.status, path).toBe(400);
        const shown = since.length > 120 ? `${since.slice(0, 120)}…` : since;
        expect(await res.text(), path).toBe(
          `since: expected a time in ms since the epoch (a finite number, 0 or more), got ${JSON.stringify(shown)}\n`,
        );
      } finally {
        abort.abort();
      }
    }
  });

  it('a stream asked with no `since` opens (from now)', async () => {
    for (const path of [`/api/sweeps/${plan.sweepId}/events`, `/api/trials/${b.id}/events`]) {
      const abort = new AbortController();
      const res = await fetch(`${server.url}${path}`, { signal: abort.signal });
      try {
        expect(res.status, path).toBe(200);
        expect(res.headers.get('content-type'), path).toMatch(/^text\/event-stream/);
      } finally {
        abort.abort();
      }
    }
  });
});
