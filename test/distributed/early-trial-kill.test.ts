import type { TrialRow } from '@iwae-sweep/db';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, waitFor } from '../helpers/cli.ts';
import { Cluster } from '../helpers/cluster.ts';
import { assertExactlyOnce, readTrials } from '../helpers/sweep-fixture.ts';

const SPEC = `name: early
base: { trainSize: 200, testSize: 20, batchSize: 100, epochs: 2, evalK: 5 }
grid:
  k: [2]
  objective: [iwae]
`;

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('a trial process killed before it first reports', () => {
  // Seen in a 210-trial chaos run: a trial process SIGKILLed while it started (BullMQ's sandbox
  // was still waiting for its init handshake) left its job active forever, its lock renewed by a
  // healthy worker that had no trial process. The attempt must fail and the trial be retried,
  // without waiting for the stall timeout (the default here: 2 h).
  it('fails that attempt; the trial is retried and recorded once', async () => {
    cluster = await Cluster.start({ label: 'early', spec: SPEC, workers: 1, lockMs: 3000 });
    const c = cluster;
    const host = c.workers[0] as NonNullable<(typeof c.workers)[0]>;
    const trial = (): TrialRow | undefined => readTrials(c.db, 'early')[0];
    const seen = () => ({
      trial: trial() && { status: trial()?.status, epochs: trial()?.epochsDone, attempts: trial()?.attempts },
      children: host.childPids(),
      log: host.log.slice(-800),
    });
    expect((await c.cli(['launch', c.spec, '--db', c.db])).code).toBe(0);
    c.collector.start();
    host.start();
    // Killed as soon as it exists: long before it has loaded its modules and reported.
    const pid = await waitFor(() => host.childPids()[0], 120_000, 'a trial process', 10, seen);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => !alive(pid), 10_000, `trial process ${pid} gone`, 50, seen);

    await waitFor(() => trial()?.status === 'done', 180_000, 'the trial done', 200, seen);
    // The killed process never got as far as its first report: the worker failed that attempt.
    expect(host.log, JSON.stringify(seen())).toMatch(/failed \(attempt 1, will retry\)/);
    expect(assertExactlyOnce(c.db, 'early')).toEqual({ trials: 1, epochs: 2 });
  }, 300_000);

  // Frozen instead: alive, silent, never reported. The watchdog used to only log it ("its
  // process never reported"); the worker knows the process it forked, and ends it.
  it('frozen while it starts: ended after --stall-timeout, and the trial retried', async () => {
    // Above a trial process's start on a loaded machine (the retry's start counts as silence too).
    const stallMs = 30_000;
    cluster = await Cluster.start({
      label: 'frozen',
      spec: SPEC.replace('name: early', 'name: frozen'),
      workers: 1,
      lockMs: 3000,
      stallMs,
    });
    const c = cluster;
    const host = c.workers[0] as NonNullable<(typeof c.workers)[0]>;
    const trial = (): TrialRow | undefined => readTrials(c.db, 'frozen')[0];
    const seen = () => ({
      trial: trial() && { status: trial()?.status, epochs: trial()?.epochsDone, attempts: trial()?.attempts },
      children: host.childPids(),
      log: host.log.slice(-800),
    });
    expect((await c.cli(['launch', c.spec, '--db', c.db])).code).toBe(0);
    c.collector.start();
    host.start();
    const pid = await waitFor(() => host.childPids()[0], 120_000, 'a trial process', 10, seen);
    process.kill(pid, 'SIGSTOP');

    await waitFor(() => !alive(pid), stallMs + 60_000, `the frozen trial process ${pid} ended`, 200, seen);
    expect(host.log).toMatch(new RegExp(`made no progress for \\d+ s: ending its process ${pid}`));
    await waitFor(() => trial()?.status === 'done', 180_000, 'the trial done', 200, seen);
    expect(host.log, JSON.stringify(seen())).toMatch(/failed \(attempt 1, will retry\)/);
    expect(assertExactlyOnce(c.db, 'frozen')).toEqual({ trials: 1, epochs: 2 });
  }, 360_000);
});
