import { expandSweep, sweepSpecFromObject, type TrialJob, type TrialResult } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import { connectionOptions, QUEUE_NAMES, SweepQueues } from '@iwae-sweep/queue';
import { Collector, launchSweep } from '@iwae-sweep/scheduler';
import { Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.ts';
import { SHARED_REDIS } from '../helpers/deployment.ts';
import { uniquePrefix } from '../helpers/sweep-fixture.ts';

const tmp = tempDir('reconcile');
const prefix = uniquePrefix('reconcile');
let queues: SweepQueues;
let db: ResultsDb;
afterAll(async () => {
  await queues?.obliterate();
  await queues?.close();
  db?.close();
  tmp.cleanup();
});

const plan = expandSweep(
  sweepSpecFromObject({
    name: 'rec',
    base: { objective: 'iwae', epochs: 1, trainSize: 20, batchSize: 20, testSize: 2, evalK: 2 },
    grid: { k: [1, 2, 3] },
  }),
);

describe('the collector reconciles the DB with Redis', () => {
  it('re-queues trials whose job vanished, and records results whose event was lost', async () => {
    db = ResultsDb.open(`${tmp.dir}/iwae.db`);
    queues = await SweepQueues.open({ url: SHARED_REDIS, prefix });
    expect((await launchSweep(db, queues, plan)).queued).toBe(3);
    const [lost, done] = plan.trials as [(typeof plan.trials)[number], (typeof plan.trials)[number]];

    // One job disappears from Redis (say, a Redis without persistence restarted).
    await (await queues.trials.getJob(lost.id))?.remove();
    expect((await queues.jobStates([lost.id])).get(lost.id)).toBe('missing');

    // Another completes on a worker whose result event never reached the results queue.
    const fake: TrialResult = {
      testNll: 99,
      testBound: -99,
      evalK: 2,
      testBoundsByK: {},
      trainBound: -100,
      activeUnits: 3,
      activeUnitsPerLayer: [3],
      epochs: [{ epoch: 1, trainBound: -100, seconds: 1, examplesPerSecond: 20, learningRate: 0.001 }],
      examplesPerSecond: 20,
      trainSeconds: 1,
      evalSeconds: 0,
      backend: 'wasm',
      gradient: 'fast',
      seed: 0,
      resumedFromEpoch: 0,
      config: done.config,
    };
    await new Promise<void>((resolve) => {
      const w = new Worker(
        QUEUE_NAMES.trials,
        async (job) => {
          if ((job.data as TrialJob).trialId !== done.id) throw new Error('not this one');
          return fake;
        },
        { connection: connectionOptions(SHARED_REDIS, 'worker'), prefix, autorun: true },
      );
      w.on('completed', () => void w.close().then(resolve));
    });
    expect((await queues.jobStates([done.id])).get(done.id)).toBe('completed');

    const collector = new Collector({ db, queues, log: () => undefined });
    const out = await collector.reconcile();
    expect(out).toEqual({ recorded: 1, failed: 0, requeued: 1 });
    expect(db.getTrial(done.id)?.status).toBe('done');
    expect(db.getTrial(done.id)?.testNll).toBe(99);
    expect(db.epochsOf(done.id)).toHaveLength(1);
    expect((await queues.jobStates([lost.id])).get(lost.id)).toBe('live');
    // Reconciling again changes nothing.
    expect(await collector.reconcile()).toEqual({ recorded: 0, failed: 0, requeued: 0 });
  });
});
