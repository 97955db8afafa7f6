import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expandSweep, loadSweepSpec } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import { SweepQueues } from '@iwae-sweep/queue';
import { launchSweep } from '@iwae-sweep/scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { chaosSpec, differencesFrom, localRunNumbers, readNumbers } from '../helpers/chaos.ts';
import { alive, tempDir, WORKER_CLI } from '../helpers/cli.ts';
import { HostProcess, waitUntil } from '../helpers/cluster.ts';
import { replicationField, SentinelSet } from '../helpers/sentinel-set.ts';
import { uniquePrefix, withDb } from '../helpers/sweep-fixture.ts';

// Five trials on two workers: when the first are done, two run and one at least still waits.
const TRIALS = 5;
// Sentinels deem the primary down after this long without an answer, and then promote only a
// replica whose link has been down less than ~10× as long (counted from the cut: the kill must
// come within ~9×). The cut lasts the launch and a round of trials: 15–35 s on a loaded machine.
const DOWN_AFTER_MS = 8000;
const CUT_AT_MOST_MS = 8 * DOWN_AFTER_MS;

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  cleanups = [];
});

/** Trial ids by status, from the scheduler's DB. */
function statuses(db: string): Map<string, string> {
  try {
    return withDb(db, ({ sqlite }) => {
      const rows = sqlite.prepare(`select id, status from trials where sweep_id = 'chaos'`).all() as {
        id: string;
        status: string;
      }[];
      return new Map(rows.map((r) => [r.id, r.status]));
    });
  } catch {
    return new Map(); // not created yet
  }
}

const RECONCILED = /reconciled with Redis: (\d+) result\(s\) recorded, (\d+) failure\(s\), (\d+) trial\(s\) re-queued/g;

describe('losing the Redis primary mid-sweep (Sentinel)', () => {
  // A real sweep through a collector and two workers that reach Redis only through Sentinel. Just
  // before the launch, replication is cut (the replication user disabled), so everything the sweep
  // writes from then on exists only on the primary; mid-sweep (trials done, running and waiting)
  // the primary is SIGKILLed and Sentinel promotes the replica, which never saw the launch. The
  // collector's reconciliation — nothing else re-creates a trial's job — must queue the lost
  // trials again; the sweep must end with every trial once and the numbers of a local run.
  it('the sweep completes with nothing lost or duplicated; reconciliation re-queues the lost jobs', async () => {
    const t0 = Date.now();
    const phase = (name: string) =>
      process.stderr.write(`sentinel failover: ${name} at ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    const set = await SentinelSet.start({ password: `pw-${uniquePrefix('s')}`, downAfterMs: DOWN_AFTER_MS });
    cleanups.push(() => set.stop());
    const tmp = tempDir('sentinel-sweep');
    cleanups.push(async () => tmp.cleanup());
    const prefix = uniquePrefix('sentinel-sweep');
    const env = { IWAE_SWEEP_REDIS_URL: set.url, IWAE_SWEEP_PREFIX: prefix };
    const schedulerDir = join(tmp.dir, 'scheduler');
    mkdirSync(schedulerDir);
    const db = join(schedulerDir, 'iwae.db');
    const spec = chaosSpec(TRIALS);
    // The numbers to compare with, from the start: the sweep's own path is mostly waiting.
    const reference = localRunNumbers(spec);
    reference.catch(() => undefined); // awaited below; a failure is reported there
    cleanups.push(() => reference.then(() => undefined)); // its process ends before the test does
    const specFile = tmp.file(join('scheduler', 'chaos.yaml'), spec);

    // The collector and two workers, each a "host" with its own directory and no shared disk.
    const hosts: HostProcess<undefined>[] = [
      new HostProcess(
        'collector',
        schedulerDir,
        undefined,
        () => ['serve', '--db', db, '--no-dashboard'],
        () => env,
      ),
    ];
    for (const name of ['host-1', 'host-2']) {
      const dir = join(tmp.dir, name);
      mkdirSync(dir);
      const args = ['--checkpoints', 'redis', '--name', name, '--hostname', name, '--lock-duration', '4000'];
      hosts.push(
        new HostProcess(
          name,
          dir,
          undefined,
          () => args,
          () => env,
          WORKER_CLI,
        ),
      );
    }
    cleanups.push(async () => {
      for (const h of hosts) await h.destroy();
    });
    for (const h of hosts) h.start();
    const [collector] = hosts as [HostProcess<undefined>];
    const logs = () => Object.fromEntries(hosts.map((h) => [h.name, h.log.slice(-1500)]));

    const primary = set.direct(set.primary);
    const replica = set.direct(set.replica);
    const jobKey = (id: string) => `${prefix}:trials:${id}`;
    await waitUntil(
      async () => collector.log.includes('collecting results') && (await primary.hlen(`${prefix}:workers`)) === 2,
      180_000,
      'the collector and both workers up',
      logs,
    );

    phase('up');
    // The launch is the scheduler's (`launch` runs the same), made here: a CLI's start would
    // lengthen the cut, which Sentinel bounds.
    const plan = expandSweep(loadSweepSpec(specFile));
    const queues = await SweepQueues.open({ url: set.url, prefix });
    cleanups.push(() => queues.close());
    // From here on, what the primary takes is not replicated.
    const cutOffset = await set.cutReplication();
    const cutAt = Date.now();
    phase('cut');
    const scheduler = ResultsDb.open(db);
    try {
      expect((await launchSweep(scheduler, queues, plan)).queued).toBe(TRIALS);
    } finally {
      scheduler.close();
    }
    await queues.close();

    // Mid-sweep: a trial recorded done, and a trial whose job waits on the primary (never taken).
    const waitingOnPrimary = async () => [
      ...(await primary.zrange(`${prefix}:trials:prioritized`, 0, -1)),
      ...(await primary.lrange(`${prefix}:trials:wait`, 0, -1)),
    ];
    const atKill = await waitUntil(
      async () => {
        const status = statuses(db);
        const done = [...status].filter(([, s]) => s === 'done').map(([id]) => id);
        const waiting = await waitingOnPrimary();
        return done.length > 0 && waiting.length > 0 && { status, done, waiting };
      },
      CUT_AT_MOST_MS - (Date.now() - cutAt),
      'a trial done and one still waiting',
      () => ({ status: Object.fromEntries(statuses(db)), ...logs() }),
      100,
    );
    const ids = [...atKill.status.keys()];
    expect(ids).toHaveLength(TRIALS);
    // The writes to be lost: every job of the sweep is on the primary, none on the replica, which
    // is still at the offset of the cut while the primary has gone on.
    const onPrimary = await Promise.all(ids.map((id) => primary.exists(jobKey(id))));
    const onReplica = await Promise.all(ids.map((id) => replica.exists(jobKey(id))));
    const primaryOffset = Number(await replicationField(primary, 'master_repl_offset'));
    const replicaOffset = Number(await replicationField(replica, 'slave_repl_offset'));
    phase('kill');
    await set.primary.kill();
    expect(onPrimary).toEqual(ids.map(() => 1));
    expect(onReplica).toEqual(ids.map(() => 0));
    expect(replicaOffset).toBe(cutOffset);
    expect(primaryOffset).toBeGreaterThan(cutOffset);

    // Sentinel promotes the replica; the clients follow it.
    // A split vote delays it by a few seconds more (seen: 17 s after the kill).
    await waitUntil(async () => (await set.primaryPort()) === set.replica.port, 45_000, 'the replica promoted', logs);
    phase('promoted');

    // The sweep ends: every trial done, no trial job (retries included) or result event left.
    await waitUntil(
      async () => {
        const done = [...statuses(db).values()].filter((s) => s === 'done').length;
        const left = await Promise.all([
          replica.zcard(`${prefix}:trials:prioritized`),
          replica.llen(`${prefix}:trials:wait`),
          replica.llen(`${prefix}:trials:active`),
          replica.zcard(`${prefix}:trials:delayed`),
          replica.llen(`${prefix}:results:wait`),
          replica.llen(`${prefix}:results:active`),
        ]);
        return done === TRIALS && left.every((n) => n === 0);
      },
      180_000,
      'every trial done and nothing left in the queues',
      () => ({ status: Object.fromEntries(statuses(db)), ...logs() }),
    );

    phase('swept');
    // Reconciliation repaired the loss. Only it re-creates a trial's job on the new primary (no
    // launch since, and workers create none): the unfinished trials whose jobs are back are those
    // it re-queued, the waiting ones among them (a running one may have finished first, its end
    // being no fenced write); the recorded ones' jobs never came back (not trained twice).
    const passes = [...collector.log.matchAll(RECONCILED)].map((m) => m.slice(1).map(Number));
    const requeued = passes.reduce((n, [, , q]) => n + (q ?? 0), 0);
    const unfinished = ids.filter((id) => !atKill.done.includes(id));
    const jobsBack = await Promise.all(
      unfinished.map(async (id) => (await replica.zscore(`${prefix}:trials:completed`, id)) !== null),
    );
    const recreated = unfinished.filter((_, i) => jobsBack[i]);
    expect(requeued, JSON.stringify(passes)).toBe(recreated.length);
    for (const id of atKill.waiting) expect(recreated, id).toContain(id);
    for (const id of atKill.done) expect(await replica.exists(jobKey(id)), id).toBe(0);
    process.stderr.write(
      `sentinel failover: ${atKill.done.length} trial(s) done, ${unfinished.length - atKill.waiting.length} running and ${atKill.waiting.length} waiting at the kill; ` +
        `${primaryOffset - cutOffset} bytes of writes lost; reconciliation re-queued ${requeued} (passes ${JSON.stringify(passes)}); ` +
        `${collector.log.match(/failed \(attempt \d+, will retry\)/g)?.length ?? 0} attempt(s) failed on the way\n`,
    );

    // Every trial recorded once, epochs 1..n once each, the numbers of an uninterrupted local run.
    const rows = readNumbers(db);
    expect(rows.map((r) => r.status)).toEqual(ids.map(() => 'done'));
    for (const r of rows)
      expect(
        r.epochs.map((e) => e.epoch),
        r.id,
      ).toEqual([1, 2, 3]);
    expect(differencesFrom(await reference, rows)).toEqual([]);
    phase('compared');

    // Nothing left running.
    for (const h of hosts) await h.destroy();
    // A process forked as its host was killed may linger a moment (killed too, not yet reaped).
    await waitUntil(async () => hosts.flatMap((h) => h.groupPids()).filter(alive).length === 0, 10_000, 'no process left');
  }, 660_000);
});
