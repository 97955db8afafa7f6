import { randomUUID } from 'node:crypto';
import type { TrialEventRecord } from '@iwae-sweep/core';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobPayloadError } from './errors.ts';
import { resultEventJobId, trialEventJobId } from './job-catalog.ts';
import { emitTrialEvent, readTrialEvent } from './job-io.ts';
import { connectionOptions } from './redis-connection.ts';

const trialId = 't0123456789abcdef0123';
const origin = { sweepId: 's', workerId: 'host:1' };
const epoch = { epoch: 3, trainBound: -100, seconds: 1, examplesPerSecond: 10, learningRate: 0.001 };

describe('trial event job ids', () => {
  it('name one job per epoch and per result whatever the attempt, and one per attempt otherwise', () => {
    const id = (attempt: number, event: TrialEventRecord['event']) => trialEventJobId({ attempt, event });
    const e = { type: 'epoch', trialId, metrics: epoch, totalEpochs: 5 } as const;
    expect(id(1, e)).toBe(id(2, e));
    expect(id(1, e)).not.toBe(id(1, { ...e, metrics: { ...epoch, epoch: 4 } }));
    expect(resultEventJobId(trialId)).toBe(`${trialId}-result`);
    const perAttempt: TrialEventRecord['event'][] = [
      { type: 'started', trialId },
      { type: 'phase', trialId, phase: 'evaluating' },
      { type: 'failed', trialId, error: { name: 'E', message: 'm' }, final: false },
      { type: 'cancelled', trialId, completedEpochs: 0, reason: 'r' },
    ];
    for (const ev of perAttempt) expect(id(1, ev)).not.toBe(id(2, ev));
    const all = [...perAttempt, e].map((ev) => id(1, ev));
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('trial events over Redis', () => {
  const prefix = `test-events-${randomUUID()}`;
  let queue: Queue;
  beforeAll(() => {
    queue = new Queue('results', { connection: connectionOptions('redis://127.0.0.1:6379', 'producer'), prefix });
  });
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('arrive as the object that was sent, once per job id', async () => {
    const record: TrialEventRecord = { ...origin, attempt: 2, event: { type: 'epoch', trialId, metrics: epoch, totalEpochs: 5 } };
    await emitTrialEvent(queue, record);
    await emitTrialEvent(queue, { ...record, attempt: 3 }); // a replayed epoch after a resume: same job
    const jobs = await queue.getJobs(['waiting']);
    expect(jobs.map((j) => j.id)).toEqual([`${trialId}-e3`]);
    const [job] = jobs;
    if (!job) throw new Error('no job in the results queue');
    expect(readTrialEvent(job)).toEqual(record);
  });

  it('are refused, naming the field, when malformed, before anything is queued', async () => {
    const before = await queue.count();
    const bad = {
      ...origin,
      attempt: 1,
      event: { type: 'epoch', trialId, metrics: { ...epoch, trainBound: 'NaN' }, totalEpochs: 5 },
    };
    await expect(emitTrialEvent(queue, bad as unknown as TrialEventRecord)).rejects.toThrow(/event\.metrics\.trainBound/);
    expect(await queue.count()).toBe(before);
    expect(() => readTrialEvent({ name: 'trial-result', id: 'x', data: {} })).toThrow(JobPayloadError);
    expect(() => readTrialEvent({ name: 'trial-event', id: 'x', data: { ...origin, attempt: 0, event: {} } })).toThrow(/attempt/);
  });
});
