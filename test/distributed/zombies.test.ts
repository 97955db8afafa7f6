import type { TrialRow } from '@iwae-sweep/db';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/cli.ts';
import { Cluster, waitUntil } from '../helpers/cluster.ts';
import { assertExactlyOnce, readTrials } from '../helpers/sweep-fixture.ts';

// One trial of 8 short epochs: long enough to freeze or cut its host part-way.
const SPEC = `name: zombie
base: { trainSize: 1000, testSize: 20, batchSize: 100, epochs: 8, evalK: 20 }
grid:
  k: [5]
  objective: [iwae]
`;

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const trialOf = (c: Cluster): TrialRow | undefined => readTrials(c.db, 'zombie')[0];
const seen = (c: Cluster) => () => {
  const t = trialOf(c);
  return {
    trial: t && { status: t.status, epochs: t.epochsDone, worker: t.workerId, attempts: t.attempts, error: t.error },
    logs: c.workers.map((w) => `${w.name}: ${w.log.slice(-400)}`),
    collector: c.collector.log.slice(-400),
  };
};

/** Launches the sweep, starts the collector and host-1 only, and waits until host-1 has trained `epochs`. */
async function startOnHost1(label: string, epochs: number): Promise<Cluster> {
  cluster = await Cluster.start({ label, spec: SPEC, workers: 2, lockMs: 3000 });
  const c = cluster;
  const launched = await c.cli(['launch', c.spec, '--db', c.db]);
  expect(launched.code, launched.stderr).toBe(0);
  c.collector.start();
  c.workers[0]?.start();
  await waitFor(
    () => trialOf(c)?.workerId === 'host-1' && (trialOf(c)?.epochsDone ?? 0) >= epochs,
    120_000,
    `${epochs} epoch(s) on host-1`,
    100,
    seen(c),
  );
  return c;
}

async function finishedOnce(c: Cluster, host: string): Promise<void> {
  await waitFor(() => trialOf(c)?.status === 'done', 180_000, 'the trial done', 200, seen(c));
  expect(assertExactlyOnce(c.db, 'zombie')).toEqual({ trials: 1, epochs: 8 });
  const t = trialOf(c) as TrialRow;
  expect(t.workerId).toBe(host);
  expect(t.error).toBeNull();
  // The finished trial's checkpoint is gone: no run left it, and no zombie re-created it.
  let ckpts: string[] = [];
  await waitUntil(
    async () => {
      ckpts = (await c.keys()).filter((k) => k.includes(':ckpt:'));
      return ckpts.length === 0;
    },
    10_000,
    'no checkpoint keys',
    () => ckpts,
  );
}

describe('zombies: a host that lost its trial wakes up and cannot undo the newer run', () => {
  it('frozen (SIGSTOP of the whole host) longer than its lock, then SIGCONT', async () => {
    const c = await startOnHost1('freeze', 2);
    const [h1, h2] = c.workers as [NonNullable<(typeof c.workers)[0]>, NonNullable<(typeof c.workers)[0]>];
    h1.signalHost('SIGSTOP');
    const frozenAt = trialOf(c)?.epochsDone ?? 0;
    h2.start();
    // host-2 takes the trial over once the lock expired, and trains past where host-1 stopped.
    await waitFor(
      () => trialOf(c)?.workerId === 'host-2' && (trialOf(c)?.epochsDone ?? 0) >= frozenAt + 1,
      120_000,
      'host-2 to take the trial over and train on',
      100,
      seen(c),
    );
    h1.signalHost('SIGCONT');
    // The zombie finishes its epoch and tries to save its (older) checkpoint: refused.
    await waitFor(
      () => /lost its lock to another; not saving the checkpoint/.test(h1.log),
      60_000,
      'host-1 fenced off',
      100,
      seen(c),
    );
    await finishedOnce(c, 'host-2');
    expect(h1.running).toBe(true); // the zombie's worker lives on and takes new work
  });

  it('partitioned from Redis longer than its lock, then healed (its delayed writes arrive late)', async () => {
    const c = await startOnHost1('partition', 2);
    const [h1, h2] = c.workers as [NonNullable<(typeof c.workers)[0]>, NonNullable<(typeof c.workers)[0]>];
    h1.proxy.partition();
    const cutAt = trialOf(c)?.epochsDone ?? 0;
    h2.start();
    await waitFor(
      () => trialOf(c)?.workerId === 'host-2' && (trialOf(c)?.epochsDone ?? 0) >= cutAt + 1,
      120_000,
      'host-2 to take the trial over and train on',
      100,
      seen(c),
    );
    // host-1 kept training through the partition; its writes were held in the link and now land.
    h1.proxy.heal();
    await waitFor(
      () => /lost its lock to another; not saving the checkpoint/.test(h1.log),
      60_000,
      'host-1 fenced off',
      100,
      seen(c),
    );
    await finishedOnce(c, 'host-2');
  });

  it('a link slowed to 150 ms each way mid-trial keeps its lock and finishes once', async () => {
    const c = await startOnHost1('slow', 1);
    const h1 = c.workers[0] as NonNullable<(typeof c.workers)[0]>;
    h1.proxy.slow(150);
    await finishedOnce(c, 'host-1');
    expect(trialOf(c)?.attempts).toBe(1);
    expect(h1.log).not.toMatch(/lost the lock/);
  });

  it('CLIENT KILL of every connection mid-trial: everyone reconnects, nothing lost or doubled', async () => {
    const c = await startOnHost1('client-kill', 2);
    expect(await c.killAllClients()).toBeGreaterThan(3);
    await finishedOnce(c, 'host-1');
  });

  it('the checkpoint store refusing writes: the attempt fails, the trial resumes from its last good checkpoint', async () => {
    const c = await startOnHost1('ckpt-fail', 2);
    await c.setCheckpointWrites(false);
    await waitFor(
      () => /NOPERM/.test(c.workers[0]?.log ?? '') || trialOf(c)?.status === 'queued',
      60_000,
      'a failed write',
      100,
      seen(c),
    );
    await c.setCheckpointWrites(true);
    await finishedOnce(c, 'host-1');
    const t = trialOf(c) as TrialRow;
    expect(t.attempts).toBe(2);
    expect(t.resumedFromEpoch).toBeGreaterThanOrEqual(2);
  });
});
