import type { TrialEventRecord } from '@iwae-sweep/core';
import { SweepQueues } from '@iwae-sweep/queue';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanups.ts';
import { alive, childrenOf, runCli, trialProcessesOf, waitFor } from '../helpers/cli.ts';
import { SHARED_REDIS, testDeployment } from '../helpers/deployment.ts';
import { OwnRedis } from '../helpers/redis-server.ts';
import { assertExactlyOnce, readTrials, withDb } from '../helpers/sweep-fixture.ts';

// One trial of five short epochs: a worker killed part-way cannot finish it (its orphaned trial
// process stops at its next epoch), and the others only need it to run a while. Waits and timeouts
// are sized for a loaded two-core machine: at a load of 18, worker A had one epoch after 90 s.
const SPEC = `name: faults
base: { trainSize: 600, testSize: 20, batchSize: 100, epochs: 5, evalK: 20 }
grid:
  k: [10]
  objective: [iwae]
`;

const onCleanup = cleanupAfterEach();

const setup = (label: string, url = SHARED_REDIS) => testDeployment(label, SPEC, onCleanup, url);

const oneTrial = (db: string) => readTrials(db, 'faults')[0];
const seen = (db: string) => () => {
  const t = oneTrial(db);
  return t && { status: t.status, epochs: t.epochsDone, attempts: t.attempts, error: t.error };
};
describe('fault tolerance with real processes killed by SIGKILL', () => {
  it('a worker killed mid-trial: another worker resumes the trial from its checkpoint', async () => {
    const s = setup('kill-worker');
    expect((await runCli(['launch', s.spec, '--db', s.db], { env: s.env })).code).toBe(0);
    s.start(['serve', '--db', s.db, '--no-dashboard']);
    const a = s.start(['worker', '--checkpoints', s.ckpt, '--lock-duration', '6000']);
    await waitFor(() => (oneTrial(s.db)?.epochsDone ?? 0) >= 2, 180_000, 'two epochs on worker A', 100, seen(s.db));
    const orphans = childrenOf(a.pid as number);
    expect(orphans.length).toBeGreaterThan(0);
    a.kill('SIGKILL');
    // Worker A's trial process notices it is orphaned and stops: no duplicate training.
    await waitFor(
      () => orphans.every((pid) => !alive(pid)),
      30_000,
      "worker A's trial process to exit",
      100,
      () => orphans.filter(alive),
    );
    const b = s.start(['worker', '--checkpoints', s.ckpt, '--lock-duration', '6000']);
    await waitFor(() => oneTrial(s.db)?.status === 'done', 180_000, 'the trial done on worker B', 100, seen(s.db));
    expect(assertExactlyOnce(s.db, 'faults')).toEqual({ trials: 1, epochs: 5 });
    withDb(s.db, (d) => {
      const [r] = d.results({ sweepId: 'faults' });
      const t = d.getTrial(r?.trial as string);
      expect(t?.resumedFromEpoch).toBeGreaterThanOrEqual(2);
      expect(t?.workerId).toContain(String(b.pid));
    });
  }, 600_000);

  it('the trial process killed: the job is retried and resumes from its checkpoint', async () => {
    const s = setup('kill-child');
    expect((await runCli(['launch', s.spec, '--db', s.db], { env: s.env })).code).toBe(0);
    s.start(['serve', '--db', s.db, '--no-dashboard']);
    const w = s.start(['worker', '--checkpoints', s.ckpt]);
    await waitFor(() => (oneTrial(s.db)?.epochsDone ?? 0) >= 2, 180_000, 'two epochs', 100, seen(s.db));
    const kids = trialProcessesOf(w.pid as number);
    expect(kids.length).toBeGreaterThan(0);
    for (const k of kids) process.kill(k, 'SIGKILL');
    await waitFor(() => oneTrial(s.db)?.status === 'done', 180_000, 'the trial done after a retry', 100, seen(s.db));
    expect(assertExactlyOnce(s.db, 'faults')).toEqual({ trials: 1, epochs: 5 });
    withDb(s.db, (d) => {
      const t = d.trialsOf('faults')[0];
      expect(t?.attempts).toBe(2);
      expect(t?.resumedFromEpoch).toBeGreaterThanOrEqual(2);
    });
  }, 420_000);

  it('the collector killed and restarted: no epoch and no result is lost', async () => {
    const s = setup('kill-collector');
    expect((await runCli(['launch', s.spec, '--db', s.db], { env: s.env })).code).toBe(0);
    const c1 = s.start(['serve', '--db', s.db, '--no-dashboard']);
    s.start(['worker', '--checkpoints', s.ckpt]);
    await waitFor(() => (oneTrial(s.db)?.epochsDone ?? 0) >= 1, 180_000, 'the first epoch collected', 100, seen(s.db));
    c1.kill('SIGKILL');
    await c1.output;
    const queues = await SweepQueues.open({ url: SHARED_REDIS, prefix: s.prefix });
    onCleanup(() => queues.close());
    const trialId = oneTrial(s.db)?.id as string;
    // The trial finishes while no collector runs: its events wait in Redis.
    await waitFor(
      async () => (await queues.jobStates([trialId])).get(trialId) === 'completed',
      120_000,
      'the trial job completed on the worker',
      200,
      seen(s.db),
    );
    const before = oneTrial(s.db);
    expect(before?.status).toBe('running');
    const epochsBefore = before?.epochsDone ?? 0;
    expect(epochsBefore).toBeLessThan(5);
    // What the next collector must write: the epochs it missed and the result, waiting in Redis.
    const waiting = (await queues.results.getJobs(['waiting', 'active', 'prioritized'])).map(
      (j) => (j.data as TrialEventRecord).event.type,
    );
    expect(waiting).toContain('result');
    expect(waiting.filter((type) => type === 'epoch').length).toBeGreaterThanOrEqual(5 - epochsBefore);

    s.start(['serve', '--db', s.db, '--no-dashboard']);
    await waitFor(() => oneTrial(s.db)?.status === 'done', 180_000, 'the restarted collector to catch up', 100, seen(s.db));
    expect(assertExactlyOnce(s.db, 'faults')).toEqual({ trials: 1, epochs: 5 });
    // Every waiting event was written, none failed or stuck (the result alone would fill in lost
    // epochs: the DB's epochs cannot tell), and the start was counted once.
    const left = await waitFor(
      async () => {
        const c = await queues.results.getJobCounts('waiting', 'active', 'prioritized', 'delayed', 'failed');
        return (c.waiting ?? 0) + (c.active ?? 0) + (c.prioritized ?? 0) === 0 ? c : undefined;
      },
      60_000,
      'the results queue drained',
      100,
    );
    expect(left).toEqual({ waiting: 0, active: 0, prioritized: 0, delayed: 0, failed: 0 });
    expect(withDb(s.db, (d) => d.getTrial(trialId)?.attempts)).toBe(1);
  }, 720_000);

  it('Redis (with AOF) killed and restarted mid-sweep: workers and collector reconnect, nothing is lost', async () => {
    const redis = await OwnRedis.start({ aof: true });
    onCleanup(() => redis.stop());
    const s = setup('kill-redis', redis.url);
    expect((await runCli(['launch', s.spec, '--db', s.db], { env: s.env })).code).toBe(0);
    s.start(['serve', '--db', s.db, '--no-dashboard']);
    s.start(['worker', '--checkpoints', 'redis']);
    await waitFor(() => (oneTrial(s.db)?.epochsDone ?? 0) >= 2, 180_000, 'two epochs', 100, seen(s.db));
    await redis.restart();
    await waitFor(() => oneTrial(s.db)?.status === 'done', 180_000, 'the trial done after the Redis restart', 100, seen(s.db));
    expect(assertExactlyOnce(s.db, 'faults')).toEqual({ trials: 1, epochs: 5 });
  }, 420_000);
});
