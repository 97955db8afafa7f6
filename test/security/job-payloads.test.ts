import { randomBytes } from 'node:crypto';
import { expandSweep, sweepSpecFromObject } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import { JobPayloadError, readTrialEvent, readTrialJob, SweepQueues } from '@iwae-sweep/queue';
import { Collector } from '@iwae-sweep/scheduler';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.ts';
import { deletePrefix, uniquePrefix } from '../helpers/sweep-fixture.ts';

// Malformed jobs as a hostile Redis client could queue them: each is refused by the job
// catalog (one line naming the field), and the collector writes nothing for it.
const REDIS = 'redis://127.0.0.1:6379';
const plan = expandSweep(
  sweepSpecFromObject({
    name: 'jobs',
    base: { trainSize: 100, testSize: 10, evalK: 10, batchSize: 10, epochs: 2, objective: 'iwae', k: 5 },
  }),
);
const trial = plan.trials[0];
if (!trial) throw new Error('fixture: one trial expected');
const rec = { sweepId: 'jobs', workerId: 'h:1', attempt: 1 };
const ev = (event: Record<string, unknown>) => ({ ...rec, event: { trialId: trial.id, ...event } });
const big = (n: number) => 'x'.repeat(n);
const metrics = { epoch: 1, trainBound: -90, seconds: 1, examplesPerSecond: 1, learningRate: 0.001 };

const results: [string, string, unknown, RegExp][] = [
  [
    'a 5 MB error message',
    'trial-event',
    ev({ type: 'failed', final: true, error: { name: 'E', message: big(5_000_000) } }),
    /event\.error\.message: expected a string of length ≤ 10000/,
  ],
  [
    'a 1 MB stack',
    'trial-event',
    ev({ type: 'failed', final: true, error: { name: 'E', message: 'm', stack: big(1_000_000) } }),
    /event\.error\.stack: expected a string of length ≤ 20000/,
  ],
  [
    'a 1 MB error name',
    'trial-event',
    ev({ type: 'failed', final: true, error: { name: big(1_000_000), message: 'm' } }),
    /event\.error\.name: expected a string of length ≤ 200/,
  ],
  [
    'a 1 MB sweep id',
    'trial-event',
    { ...ev({ type: 'started' }), sweepId: big(1_000_000) },
    /sweepId: expected a string of length ≤ 300/,
  ],
  ['a 1 MB host', 'trial-event', ev({ type: 'started', host: big(1_000_000) }), /event\.host: expected a string of length ≤ 300/],
  [
    'a 1 MB cancel reason',
    'trial-event',
    ev({ type: 'cancelled', completedEpochs: 0, reason: big(1_000_000) }),
    /event\.reason: expected a string of length ≤ 10000/,
  ],
  [
    'job name "constructor"',
    'constructor',
    ev({ type: 'started' }),
    /malformed "constructor" job .*unknown job name on the results queue/,
  ],
  ['job name "__proto__"', '__proto__', ev({ type: 'started' }), /unknown job name on the results queue/],
  [
    'a trial job on the results queue',
    'trial',
    { sweepId: 'jobs', trialId: trial.id, config: trial.config },
    /unknown job name on the results queue/,
  ],
  ['attempt 0', 'trial-event', { ...ev({ type: 'started' }), attempt: 0 }, /attempt: expected a number ≥ 1/],
  ['an empty trial id', 'trial-event', ev({ type: 'started', trialId: '' }), /event\.trialId: expected a string of length ≥ 1/],
  ['an unknown event type', 'trial-event', ev({ type: 'owned' }), /event\.type: expected/],
  ['an unknown phase', 'trial-event', ev({ type: 'phase', phase: 'owned' }), /event\.phase: expected one of "loading"/],
  ['an extra field', 'trial-event', ev({ type: 'started', admin: true }), /event\.admin: expected no such field/],
  [
    'an epoch of -1',
    'trial-event',
    ev({ type: 'epoch', totalEpochs: 2, metrics: { ...metrics, epoch: -1 } }),
    /event\.metrics\.epoch: expected a number ≥ 1/,
  ],
  [
    'a NaN bound',
    'trial-event',
    ev({ type: 'epoch', totalEpochs: 2, metrics: { ...metrics, trainBound: Number.NaN } }),
    /event\.metrics\.trainBound: expected/,
  ],
  ['a result without fields', 'trial-event', ev({ type: 'result', result: {} }), /event\.result\.testNll: expected number/],
  ['a string payload', 'trial-event', 'rm -rf /', /\(root\): expected object/],
];

describe('malformed result events', () => {
  for (const [name, jobName, data, pattern] of results) {
    it(`${name}: refused in one line`, () => {
      let error: unknown;
      try {
        readTrialEvent({ name: jobName, id: 'j1', data });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(JobPayloadError);
      expect((error as Error).message).toMatch(pattern);
      expect((error as Error).message).not.toContain('\n');
      // The refusal never echoes a huge value back.
      expect((error as Error).message.length).toBeLessThan(2000);
    });
  }
});

describe('malformed trial jobs', () => {
  const jobs: [string, string, unknown, RegExp][] = [
    [
      'a bad trial id',
      'trial',
      { sweepId: 'jobs', trialId: '../../etc/passwd', config: trial.config },
      /trialId: expected a trial id/,
    ],
    [
      'k = -1',
      'trial',
      { sweepId: 'jobs', trialId: trial.id, config: { ...trial.config, k: -1 } },
      /config\.k: expected a number ≥ 1/,
    ],
    [
      'a __proto__ key (as JSON.parse makes it)',
      'trial',
      JSON.parse(`{"sweepId":"jobs","trialId":"${trial.id}","config":${JSON.stringify(trial.config)},"__proto__":{"x":1}}`),
      /__proto__: expected no such field/,
    ],
    ['no config', 'trial', { sweepId: 'jobs', trialId: trial.id }, /config: expected object/],
    ['a result event on the trials queue', 'trial-event', ev({ type: 'started' }), /unknown job name on the trials queue/],
  ];
  for (const [name, jobName, data, pattern] of jobs) {
    it(`${name}: refused in one line`, () => {
      expect(() => readTrialJob({ name: jobName, id: 'j1', data })).toThrow(pattern);
    });
  }
});

describe('the collector and hostile jobs in a real Redis', () => {
  const tmp = tempDir('sec-jobs');
  const prefix = uniquePrefix('sec-jobs');
  let queues: SweepQueues;
  let db: ResultsDb;
  beforeAll(async () => {
    db = ResultsDb.open(`${tmp.dir}/iwae.db`);
    db.saveSweep({ id: 'jobs', spec: plan.spec, mode: 'redis' });
    db.addTrials('jobs', plan.trials);
    queues = await SweepQueues.open({ url: REDIS, prefix });
  });
  afterAll(async () => {
    await queues.close();
    db.close();
    await deletePrefix(REDIS, prefix);
    tmp.cleanup();
  });

  it('fails every malformed event (no retry) and writes nothing', async () => {
    const dump = () => JSON.stringify([db.trialsOf('jobs'), db.epochsOfSweep('jobs')]);
    const collector = new Collector({ db, queues, log: () => {} });
    // start() reconciles first (it queues the trial, whose job is not in Redis): compare after it.
    await collector.start();
    const before = dump();
    // A raw producer, as any client of the Redis could be: no catalog validation on the way in.
    const raw = new Queue('results', { connection: { url: REDIS }, prefix });
    const sent = results.filter(([, jobName]) => jobName !== '__proto__');
    for (const [, jobName, data] of sent) await raw.add(jobName, data, { jobId: randomBytes(6).toString('hex'), attempts: 5 });
    await raw.close();
    try {
      const counts = async () => queues.results.getJobCounts('failed', 'completed', 'wait', 'active', 'delayed');
      let last: Record<string, number> = {};
      const deadline = Date.now() + 20_000;
      for (;;) {
        last = await counts();
        if (last.failed === sent.length) break;
        if (Date.now() > deadline)
          throw new Error(`timed out: job counts ${JSON.stringify(last)}, expected ${sent.length} failed`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(last).toMatchObject({ failed: sent.length, completed: 0, wait: 0, delayed: 0 });
      // Failed at the first attempt: malformed payloads are unrecoverable, never retried.
      const failed = await queues.results.getFailed();
      expect(failed.map((j) => j.attemptsMade)).toEqual(failed.map(() => 1));
      expect(dump()).toBe(before);
    } finally {
      await collector.stop();
    }
  });
});
