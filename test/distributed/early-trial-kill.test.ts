import type { TrialRow } from '@iwae-sweep/db';
import { afterEach, describe, expect, it } from 'vitest';
import { alive, waitFor } from '../helpers/cli.ts';
import { Cluster } from '../helpers/cluster.ts';
import { assertExactlyOnce, readTrials } from '../helpers/sweep-fixture.ts';

/** One trial of 2 short epochs; `name` is the sweep's. */
const spec = (name: string) => `name: ${name}
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

/**
 * A cluster of one worker running the one-trial sweep `name`, caught as soon as the worker has
 * forked its first trial process: long before that process has loaded its modules and reported.
 */
async function firstTrialProcess(name: string, stallMs?: number) {
  cluster = await Cluster.start({
    label: name,
    spec: spec(name),
    workers: 1,
    lockMs: 3000,
    ...(stallMs === undefined ? {} : { stallMs }),
  });
  const c = cluster;
  const host = c.workers[0] as NonNullable<(typeof c.workers)[0]>;
  const trial = (): TrialRow | undefined => readTrials(c.db, name)[0];
  /** What a failed wait shows. */
  const seen = () => ({
    trial: trial() && { status: trial()?.status, epochs: trial()?.epochsDone, attempts: trial()?.attempts },
    children: host.childPids(),
    log: host.log.slice(-800),
  });
  expect((await c.cli(['launch', c.spec, '--db', c.db])).code).toBe(0);
  c.collector.start();
  host.start();
  const pid = await waitFor(() => host.childPids()[0], 120_000, 'a trial process', 10, seen);
  return { c, host, trial, seen, pid };
}

describe('a trial process killed before it first reports', () => {
  // Seen in a 210-trial chaos run: a trial process SIGKILLed while it started (BullMQ's sandbox
  // was still waiting for its init handshake) left its job active forever, its lock renewed by a
  // healthy worker that had no trial process. The attempt must fail and the trial be retried,
  // without waiting for the stall timeout (the default here: 2 h).
  it('fails that attempt; the trial is retried and recorded once', async () => {
    const { c, host, trial, seen, pid } = await firstTrialProcess('early');
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
    const { c, host, trial, seen, pid } = await firstTrialProcess('frozen', stallMs);
    process.kill(pid, 'SIGSTOP');

    // The watchdog's line is written before the kill but read here from a pipe: the process can
    // be seen gone before that line has been read, so the wait is for both.
    await waitFor(
      () => !alive(pid) && new RegExp(`made no progress for \\d+ s: ending its process ${pid}\\b`).test(host.log),
      stallMs + 60_000,
      `the frozen trial process ${pid} ended by the watchdog`,
      200,
      seen,
    );
    await waitFor(() => trial()?.status === 'done', 180_000, 'the trial done', 200, seen);
    expect(host.log, JSON.stringify(seen())).toMatch(/failed \(attempt 1, will retry\)/);
    expect(assertExactlyOnce(c.db, 'frozen')).toEqual({ trials: 1, epochs: 2 });
  }, 360_000);
});
