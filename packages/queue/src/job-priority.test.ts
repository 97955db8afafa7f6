import { randomUUID } from 'node:crypto';
import { normalizeTrialConfig, type TrialJob } from '@iwae-sweep/core';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COST_LEVELS, MAX_SWEEP_PRIORITY, trialJobPriority } from './job-priority.ts';
import { connectionOptions } from './redis-connection.ts';
import { SweepQueues } from './sweep-queues.ts';

const url = 'redis://127.0.0.1:6379';
const config = normalizeTrialConfig({ objective: 'iwae', k: 1 });
const job = (sweepId: string, n: number): TrialJob => ({ sweepId, trialId: `t${n.toString(16).padStart(20, '0')}`, config });

describe('trial job priorities', () => {
  it('order by sweep priority, then longest first, within BullMQ limits', () => {
    expect(trialJobPriority(1e15)).toBeLessThan(trialJobPriority(1e12));
    expect(trialJobPriority(1e12, 1)).toBeLessThan(trialJobPriority(1e20, 2));
    expect(trialJobPriority(1e30)).toBe(1);
    expect(trialJobPriority(0, MAX_SWEEP_PRIORITY)).toBeLessThanOrEqual(2_097_152);
    expect(trialJobPriority(0, 1)).toBeLessThanOrEqual(COST_LEVELS);
    expect(trialJobPriority(0, 2)).toBeGreaterThan(COST_LEVELS);
    // 6 % apart in cost: distinct levels.
    expect(trialJobPriority(1.07e12)).toBeLessThan(trialJobPriority(1e12));
  });

  describe('through Redis', () => {
    let queues: SweepQueues;
    const prefix = `test-priority-${randomUUID()}`;
    beforeAll(async () => {
      queues = await SweepQueues.open({ url, prefix });
    });
    afterAll(async () => {
      await queues.obliterate();
      await queues.close();
    });

    it('keep longest first across separate enqueues (an add) and across sweeps, the sweep priority first', async () => {
      // A launch of short and medium trials, then an `add` of a long one, another sweep's trials,
      // and a lower-priority sweep's long trial.
      await queues.enqueueTrials([
        { job: job('a', 1), flops: 1e11 },
        { job: job('a', 2), flops: 1e13 },
      ]);
      await queues.enqueueTrials([{ job: job('a', 3), flops: 1e15 }]);
      await queues.enqueueTrials([
        { job: job('b', 4), flops: 1e12 },
        { job: job('b', 5), flops: 1e14 },
      ]);
      await queues.enqueueTrials([{ job: job('c', 6), flops: 1e18 }], { priority: 2 });
      const seen: string[] = [];
      let worker: Worker | undefined;
      await new Promise<void>((resolve) => {
        worker = new Worker(
          'trials',
          async (j) => {
            seen.push(String(j.id));
            if (seen.length === 6) resolve();
          },
          { connection: connectionOptions(url, 'worker'), prefix, concurrency: 1 },
        );
      });
      await worker?.close();
      expect(seen.map((id) => Number.parseInt(id.slice(1), 16))).toEqual([3, 5, 2, 4, 1, 6]);
    });
  });
});
