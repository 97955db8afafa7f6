import { expandSweep, sweepSpecFromObject } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import { SweepQueues } from '@iwae-sweep/queue';
import { Collector, launchSweep } from '@iwae-sweep/scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../helpers/cli.ts';
import { OwnRedis } from '../helpers/redis-server.ts';
import { uniquePrefix } from '../helpers/sweep-fixture.ts';

const plan = expandSweep(
  sweepSpecFromObject({
    name: 'rec-reconnect',
    base: { objective: 'iwae', epochs: 1, trainSize: 20, batchSize: 20, testSize: 2, evalK: 2 },
    grid: { k: [1, 2, 3] },
  }),
);
const ids = plan.trials.map((t) => t.id);

let stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  stops = [];
});

describe('the collector reconciles after a reconnection', () => {
  // A Redis that comes back without the last writes (here: restarted with no persistence; in
  // production: a replica promoted by Sentinel before it had them) has lost the jobs a launch
  // queued. The periodic pass is an hour away: the reconnection itself must trigger one.
  it('re-queues the jobs a Redis lost, at once rather than at the next periodic pass', async () => {
    const redis = await OwnRedis.start(); // no AOF: a restart loses everything
    stops.push(() => redis.stop());
    const tmp = tempDir('reconcile-reconnect');
    stops.push(async () => tmp.cleanup());
    const db = ResultsDb.open(`${tmp.dir}/iwae.db`);
    stops.push(async () => db.close());
    const queues = await SweepQueues.open({ url: redis.url, prefix: uniquePrefix('rec-reconnect') });
    stops.push(() => queues.close());
    expect((await launchSweep(db, queues, plan)).queued).toBe(3);

    const log: string[] = [];
    const collector = new Collector({ db, queues, reconcileEveryMs: 3_600_000, log: (line) => log.push(line) });
    await collector.start();
    stops.push(() => collector.stop());
    expect(log.join('\n')).not.toMatch(/re-queued/);

    // What the restarted Redis holds, read on the collector's own connection as soon as it is
    // ready again: the collector reconciles a second after that 'ready', on this connection too,
    // so this read is answered first. (Read after restart() returned, it raced the collector: a
    // test descheduled for a second between the server's start and that read saw the jobs
    // already re-queued.)
    const afterRestart = new Promise<Map<string, string>>((resolve, reject) => {
      queues.redis.once('ready', () => void queues.jobStates(ids).then(resolve, reject));
    });
    await redis.restart();
    expect([...(await afterRestart).values()]).toEqual(['missing', 'missing', 'missing']);
    await waitFor(
      async () => [...(await queues.jobStates(ids)).values()].every((s) => s === 'live'),
      30_000,
      'the lost jobs queued again',
      200,
      () => log,
    );
    expect(log.filter((l) => /re-queued/.test(l))).toEqual([
      'reconciled with Redis: 0 result(s) recorded, 0 failure(s), 3 trial(s) re-queued',
    ]);
    expect(await queues.trials.getJobCounts('prioritized', 'waiting')).toEqual({ prioritized: 3, waiting: 0 });
  }, 60_000);
});
