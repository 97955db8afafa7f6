import type { TrialRow } from '@iwae-sweep/db';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, waitFor } from '../helpers/cli.ts';
import { Cluster } from '../helpers/cluster.ts';
import { assertExactlyOnce, readTrials, withDb } from '../helpers/sweep-fixture.ts';

// One trial of 6 short epochs: long enough to freeze its process part-way.
const SPEC = `name: stall
base: { trainSize: 1000, testSize: 20, batchSize: 100, epochs: 6, evalK: 20 }
grid:
  k: [5]
  objective: [iwae]
`;

// One epoch that outlasts the stall timeout below (a large trial on a slow CPU,
// scaled down), with a validation bound after it: slow, not stalled.
const SLOW_SPEC = `name: slow
base: { trainSize: 8000, testSize: 20, batchSize: 20, epochs: 1, evalK: 20, validationSize: 2000, validationK: 50 }
grid:
  k: [10]
  objective: [iwae]
`;

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('a trial that stops progressing while its worker lives on', () => {
  // The trial process alone is frozen (a stuck driver, a call that never returns): its worker
  // is healthy and keeps renewing the job's lock, so no other worker may take the trial. Before
  // the watchdog, the sweep waited for it forever (209 of 210 trials in a chaos run).
  it('is ended by its worker after --stall-timeout and resumed from its checkpoint', async () => {
    // Above a trial process's start on a loaded machine: the retry runs in a new process (the
    // frozen one is ended), and its start counts as silence. With 6 s, at a load of 16 the
    // retries' processes were ended as they started, attempts 2 and 3, and the trial failed.
    cluster = await Cluster.start({ label: 'stall', spec: SPEC, workers: 1, lockMs: 3000, stallMs: 30_000 });
    const c = cluster;
    const host = c.workers[0] as NonNullable<(typeof c.workers)[0]>;
    const trial = (): TrialRow | undefined => readTrials(c.db, 'stall')[0];
    const seen = () => ({
      trial: trial() && { status: trial()?.status, epochs: trial()?.epochsDone, attempts: trial()?.attempts },
      children: host.childPids(),
      log: host.log.slice(-600),
    });
    expect((await c.cli(['launch', c.spec, '--db', c.db])).code).toBe(0);
    c.collector.start();
    host.start();
    await waitFor(() => (trial()?.epochsDone ?? 0) >= 2, 120_000, 'two epochs trained', 100, seen);
    const [pid] = host.childPids();
    expect(pid, JSON.stringify(seen())).toBeDefined();
    process.kill(pid as number, 'SIGSTOP');
    const frozenAt = trial()?.epochsDone ?? 0;

    // The worker ends the frozen process, and says so; the retry resumes from the last checkpoint.
    // Its line is written before the kill, but read here from a pipe: the process can be seen gone
    // before that line has been read, so the wait is for both.
    await waitFor(
      () => !alive(pid as number) && new RegExp(`made no progress for \\d+ s: ending its process ${pid}\\b`).test(host.log),
      120_000,
      `the frozen trial process ${pid} ended by the watchdog`,
      200,
      seen,
    );
    await waitFor(() => trial()?.status === 'done', 180_000, 'the trial done', 200, seen);
    const t = trial() as TrialRow;
    expect(t.attempts).toBe(2);
    // Resumed from the checkpoint of the last epoch it had reached, not from scratch.
    expect(t.resumedFromEpoch).toBeGreaterThanOrEqual(frozenAt);
    expect(assertExactlyOnce(c.db, 'stall')).toEqual({ trials: 1, epochs: 6 });
  }, 600_000);

  // The watchdog must tell a stalled trial from a slow one: a single epoch (or a validation
  // bound) can take longer than --stall-timeout. Before trials reported progress inside an epoch,
  // the first epoch had to fit in the timeout: this trial was ended at every attempt, forever.
  it('leaves alone a healthy trial whose epoch outlasts --stall-timeout', async () => {
    const stallMs = 8000;
    cluster = await Cluster.start({ label: 'slow', spec: SLOW_SPEC, workers: 1, lockMs: 3000, stallMs });
    const c = cluster;
    const host = c.workers[0] as NonNullable<(typeof c.workers)[0]>;
    const trial = (): TrialRow | undefined => readTrials(c.db, 'slow')[0];
    const seen = () => ({
      trial: trial() && { status: trial()?.status, epochs: trial()?.epochsDone, attempts: trial()?.attempts },
      log: host.log.slice(-600),
    });
    expect((await c.cli(['launch', c.spec, '--db', c.db])).code).toBe(0);
    c.collector.start();
    host.start();
    await waitFor(() => trial()?.status === 'done', 240_000, 'the slow trial done', 200, seen);
    expect(host.log, JSON.stringify(seen())).not.toMatch(/ending its process/);
    expect(trial()?.attempts, JSON.stringify(seen())).toBe(1);
    // The premise: its one epoch took longer than the stall timeout.
    const [epoch] = withDb(c.db, (db) => db.sqlite.prepare('select seconds from epochs').all() as { seconds: number }[]);
    expect(epoch?.seconds).toBeGreaterThan(stallMs / 1000);
  }, 300_000);

  // A stall is the worker's failure (killed, frozen, cut off past its lock), not the trial's.
  // With BullMQ's limit at 2, a trial whose host was lost three times failed for good ('job
  // stalled more than allowable limit'): twice in a 210-trial chaos run.
  it('a trial whose worker is killed three times mid-trial still finishes', async () => {
    cluster = await Cluster.start({
      label: 'restalls',
      spec: SPEC.replace('name: stall', 'name: restalls'),
      workers: 1,
      lockMs: 3000,
    });
    const c = cluster;
    const host = c.workers[0] as NonNullable<(typeof c.workers)[0]>;
    const trial = (): TrialRow | undefined => readTrials(c.db, 'restalls')[0];
    const seen = () => ({
      trial: trial() && { status: trial()?.status, epochs: trial()?.epochsDone, error: trial()?.error },
      log: host.log.slice(-600),
    });
    expect((await c.cli(['launch', c.spec, '--db', c.db])).code).toBe(0);
    c.collector.start();
    host.start();
    for (let kill = 1; kill <= 3; kill++) {
      await waitFor(() => (trial()?.epochsDone ?? 0) >= kill, 120_000, `epoch ${kill} trained`, 100, seen);
      await host.kill();
      host.start();
    }
    await waitFor(() => ['done', 'failed'].includes(trial()?.status ?? ''), 240_000, 'the trial ended', 200, seen);
    expect(trial()?.status, JSON.stringify(seen())).toBe('done');
    expect(assertExactlyOnce(c.db, 'restalls')).toEqual({ trials: 1, epochs: 6 });
  }, 780_000);
});
