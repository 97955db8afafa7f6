import { expandSweep, sweepSpecFromObject, type TrialEventRecord, type TrialJob, type TrialResult } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import { connectionOptions, emitTrialEvent, QUEUE_NAMES, SweepQueues } from '@iwae-sweep/queue';
import { Collector, launchSweep } from '@iwae-sweep/scheduler';
import { DistributedWorker } from '@iwae-sweep/worker';
import { Worker } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO, tempDir, waitFor } from '../helpers/cli.ts';
import { SHARED_REDIS } from '../helpers/deployment.ts';
import { uniquePrefix } from '../helpers/sweep-fixture.ts';

const plan = expandSweep(
  sweepSpecFromObject({
    name: 'rec',
    base: { objective: 'iwae', epochs: 1, trainSize: 20, batchSize: 20, testSize: 2, evalK: 2 },
    grid: { k: [1, 2, 3] },
  }),
);
type PlannedTrial = (typeof plan.trials)[number];
const [lost, done, other] = plan.trials as [PlannedTrial, PlannedTrial, PlannedTrial];

// Each test has its own DB, prefix and queues.
let tmp: ReturnType<typeof tempDir>;
let queues: SweepQueues;
let db: ResultsDb;
let stops: (() => Promise<void>)[] = [];
beforeEach(async () => {
  tmp = tempDir('reconcile');
  db = ResultsDb.open(`${tmp.dir}/iwae.db`);
  queues = await SweepQueues.open({ url: SHARED_REDIS, prefix: uniquePrefix('reconcile') });
  expect((await launchSweep(db, queues, plan)).queued).toBe(3);
});
afterEach(async () => {
  for (const stop of stops.reverse()) await stop();
  stops = [];
  await queues.obliterate();
  await queues.close();
  db.close();
  tmp.cleanup();
});

/** A real worker whose trials run `processor` (a fixture: nothing is trained), stopped at cleanup. */
async function fixtureWorker(processor: string): Promise<DistributedWorker> {
  const w = await DistributedWorker.start({
    url: SHARED_REDIS,
    prefix: queues.prefix,
    checkpoints: `${tmp.dir}/ckpt`,
    processorFile: `${REPO}${processor}`,
    log: () => undefined,
  });
  stops.push(() => w.stop());
  return w;
}

/** Takes the other trials out of the sweep (cancelled, jobs removed), so that only `keep` runs. */
async function only(keep: PlannedTrial): Promise<void> {
  const others = plan.trials.filter((t) => t.id !== keep.id);
  for (const t of others) await (await queues.trials.getJob(t.id))?.remove();
  db.setTrialStatus(
    others.map((t) => t.id),
    'cancelled',
  );
}

const log: string[] = [];
const collector = () => new Collector({ db, queues, log: (line) => log.push(line) });

describe('the collector reconciles the DB with Redis', () => {
  it('re-queues trials whose job vanished, and records results whose event was lost', async () => {
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
        { connection: connectionOptions(SHARED_REDIS, 'worker'), prefix: queues.prefix, autorun: true },
      );
      w.on('completed', () => void w.close().then(resolve));
    });
    expect((await queues.jobStates([done.id])).get(done.id)).toBe('completed');

    const c = collector();
    const out = await c.reconcile();
    expect(out).toEqual({ recorded: 1, failed: 0, requeued: 1 });
    expect(db.getTrial(done.id)?.status).toBe('done');
    expect(db.getTrial(done.id)?.testNll).toBe(99);
    expect(db.epochsOf(done.id)).toHaveLength(1);
    expect((await queues.jobStates([lost.id])).get(lost.id)).toBe('live');
    // Reconciling again changes nothing.
    expect(await c.reconcile()).toEqual({ recorded: 0, failed: 0, requeued: 0 });
  });

  it('does not re-queue a trial whose job is gone while its result waits to be collected', async () => {
    await only(done);
    process.env.IWAE_BENCH_SLEEP_MS = '0';
    await fixtureWorker('bench/sleep-processor.ts');
    await waitFor(
      async () => (await queues.jobStates([done.id])).get(done.id) === 'completed',
      180_000,
      'the trial completed on the worker',
      100,
      async () => Object.fromEntries(await queues.jobStates([done.id])),
    );
    // The trial's job goes (a cleanup, a restarted Redis), but its events are still queued for the
    // collector: the trial is finished, and running it again would waste a worker.
    await (await queues.trials.getJob(done.id))?.remove();
    expect((await queues.results.getJobs(['waiting'])).length).toBeGreaterThan(0);
    const c = collector();
    expect(await c.reconcile()).toEqual({ recorded: 0, failed: 0, requeued: 0 });
    expect((await queues.jobStates([done.id])).get(done.id)).toBe('missing');
    // Collecting the waiting events finishes it.
    await c.start();
    stops.push(() => c.stop());
    await waitFor(
      () => db.getTrial(done.id)?.status === 'done',
      30_000,
      'the result collected',
      100,
      () => db.getTrial(done.id),
    );
    expect(db.getTrial(done.id)?.testNll).toBe(100);
  }, 420_000);

  /**
   * A bare BullMQ worker whose one run ends as a cancelled trial's does: it sends `event` (if any)
   * to the collector, then completes its job as cancelled.
   */
  async function cancelledRun(event?: TrialEventRecord): Promise<void> {
    const w = new Worker(
      QUEUE_NAMES.trials,
      async () => {
        if (event) await emitTrialEvent(queues.results, event);
        return { cancelled: true };
      },
      { connection: connectionOptions(SHARED_REDIS, 'worker'), prefix: queues.prefix, autorun: true },
    );
    stops.push(() => w.close());
    await waitFor(
      async () => (await queues.jobStates([done.id])).get(done.id) === 'completed',
      60_000,
      'the cancelled run',
      100,
      async () => Object.fromEntries(await queues.jobStates([done.id])),
    );
    await w.close();
  }

  // `resume` right after `cancel`: the running trial has sent its "cancelled" (the DB says so) but
  // its worker has not yet completed the job. Resume then cannot free the job id (only finished
  // jobs are removed) nor add it again (the id exists), and marks the trial queued; the job then
  // completes as cancelled. Nothing ran that trial again: the sweep waited for it forever.
  it('re-queues a queued trial whose job then completed as cancelled (a resume that raced the cancel)', async () => {
    await only(done);
    await cancelledRun();
    // As the resume left it: the sweep active, the trial queued, its job completed as cancelled.
    expect((await queues.jobStates([done.id])).get(done.id)).toBe('completed');
    expect(db.getTrial(done.id)?.status).toBe('queued');

    const c = collector();
    expect(await c.reconcile()).toEqual({ recorded: 0, failed: 0, requeued: 1 });
    expect((await queues.jobStates([done.id])).get(done.id)).toBe('live');
    expect(db.getTrial(done.id)?.status).toBe('queued');
    expect(await c.reconcile()).toEqual({ recorded: 0, failed: 0, requeued: 0 });
  });

  // The other order: `resume` while the trial still ran (the DB said running, so the resume left
  // it alone), then the run, which had seen the cancel, sent "cancelled". Recorded as such, the
  // trial stayed cancelled in an active sweep, its job completed: nothing ran it again.
  it('queues again a trial whose "cancelled" arrives after its sweep was resumed', async () => {
    await only(done);
    const c = collector();
    await c.start();
    stops.push(() => c.stop());
    db.setTrialStatus([done.id], 'running');
    await cancelledRun({
      sweepId: plan.sweepId,
      workerId: 'w:1',
      attempt: 1,
      event: { type: 'cancelled', trialId: done.id, completedEpochs: 1, reason: 'sweep cancelled' },
    });
    await waitFor(
      () => db.getTrial(done.id)?.status !== 'running',
      30_000,
      'the event collected',
      100,
      () => db.getTrial(done.id),
    );
    await c.reconcile(); // the pass the event asked for may have come before the job completed
    expect((await queues.jobStates([done.id])).get(done.id)).toBe('live');
    expect(db.getTrial(done.id)?.status).toBe('queued');
    expect(log.join('\n')).toMatch(/stopped for a cancel its sweep was resumed from: queued again/);
  });

  it('marks failed a trial whose job used up its attempts while the failure event was lost', async () => {
    await only(other);
    const w = await fixtureWorker('test/fixtures/failing-processor.ts');
    const { trials } = queues;
    // Retries wait an exponential backoff (5 s, then 10 s): promote them rather than wait.
    await waitFor(
      async () => {
        for (const job of await trials.getJobs(['delayed'])) await job.promote();
        return (await queues.jobStates([other.id])).get(other.id) === 'failed';
      },
      180_000,
      'the job to fail for good',
      100,
      async () => Object.fromEntries(await queues.jobStates([other.id])),
    );
    expect((await trials.getJob(other.id))?.attemptsMade).toBe(3);
    // The failure events never reach the collector.
    await w.stop();
    await queues.results.obliterate({ force: true });
    expect(db.getTrial(other.id)?.status).toBe('queued');

    const c = collector();
    expect(await c.reconcile()).toEqual({ recorded: 0, failed: 1, requeued: 0 });
    expect(db.getTrial(other.id)).toMatchObject({ status: 'failed', error: 'fixture trial failure (every attempt)' });
    expect(log.join('\n')).toMatch(/reconciled with Redis: 0 result\(s\) recorded, 1 failure\(s\), 0 trial\(s\) re-queued/);
    expect(await c.reconcile()).toEqual({ recorded: 0, failed: 0, requeued: 0 });
  });
});
