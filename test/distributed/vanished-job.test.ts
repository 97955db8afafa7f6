import { expandSweep, sweepSpecFromObject } from '@iwae-sweep/core';
import { SweepQueues } from '@iwae-sweep/queue';
import { DistributedWorker } from '@iwae-sweep/worker';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers/cli.ts';
import { waitUntil } from '../helpers/cluster.ts';
import { SHARED_REDIS } from '../helpers/deployment.ts';
import { uniquePrefix } from '../helpers/sweep-fixture.ts';

const plan = expandSweep(
  sweepSpecFromObject({
    name: 'vanished',
    base: { objective: 'iwae', epochs: 1, trainSize: 20, batchSize: 20, testSize: 2, evalK: 2 },
    grid: { k: [1, 2] },
  }),
);
const [lost, next] = plan.trials.map((t) => ({ job: { sweepId: plan.sweepId, trialId: t.id, config: t.config }, flops: 1 }));

let stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  stops = [];
});

describe('a running trial whose job vanishes from Redis', () => {
  // After a failover to a replica that never had the job (or a purge), relaying the running
  // trial's progress fails. BullMQ's sandbox (before the worker ran its own trial processes) then
  // failed the job with its trial process still running, and gave that busy process to the next
  // trial: it failed at once ("cannot start a not idling child process"), or took the first
  // run's end for its own (seen in the Sentinel failover test: 1–3 failed attempts per run).
  it('does not spoil the next trial the worker takes', async () => {
    if (!lost || !next) throw new Error('two trials expected');
    const tmp = tempDir('vanished');
    stops.push(async () => tmp.cleanup());
    const queues = await SweepQueues.open({ url: SHARED_REDIS, prefix: uniquePrefix('vanished') });
    stops.push(async () => {
      await queues.obliterate();
      await queues.close();
    });
    const log: string[] = [];
    const worker = await DistributedWorker.start({
      url: SHARED_REDIS,
      prefix: queues.prefix,
      checkpoints: `${tmp.dir}/ckpt`,
      processorFile: `${REPO}test/fixtures/reporting-processor.ts`,
      log: (line) => log.push(line),
    });
    stops.push(() => worker.stop());

    await queues.enqueueTrials([lost]);
    const id = lost.job.trialId;
    await waitUntil(
      async () => (await queues.trials.getActive()).some((j) => j.id === id),
      180_000,
      'the first trial running',
      () => log,
    );
    // Its job goes, as on a promoted replica that never had it; the trial process runs on.
    const key = queues.trials.toKey(id);
    await queues.redis.multi().del(key, `${key}:lock`).lrem(queues.trials.toKey('active'), 0, id).exec();
    await queues.enqueueTrials([next]);

    const job = await waitUntil(
      async () => {
        const j = await queues.trials.getJob(next.job.trialId);
        return j && (await j.isCompleted()) && j;
      },
      180_000,
      'the next trial completed',
      () => log,
    );
    expect(job.failedReason ?? '', log.join('\n')).toBe('');
    expect(log.filter((l) => /failed \(attempt/.test(l))).toEqual([]);
    expect((job.returnvalue as { config: unknown }).config).toEqual(next.job.config);
  }, 420_000);
});
