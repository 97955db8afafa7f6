import { expandSweep, sweepSpecFromObject } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import { WorkerRegistry } from '@iwae-sweep/queue';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';
import { deletePrefix, uniquePrefix } from '../helpers/sweep-fixture.ts';

/**
 * `status` shows each worker's backend as its trials ran it: a worker started with `auto` (the
 * default) whose trial set up cpu is "auto → cpu", not "auto"; one whose trials have not set a
 * backend up yet still shows what it asked for. Real Redis (the heartbeats), a real DB file (the
 * trial records) and the CLI.
 */
const REDIS = 'redis://127.0.0.1:6379';
const prefix = uniquePrefix('worker-backend');
const tmp = tempDir('worker-backend');
const env = { IWAE_SWEEP_PREFIX: prefix, IWAE_SWEEP_REDIS_URL: REDIS };
const dbFile = `${tmp.dir}/iwae.db`;
const redis = new Redis(REDIS);
afterAll(async () => {
  await redis.quit();
  await deletePrefix(REDIS, prefix);
  tmp.cleanup();
});

const plan = expandSweep(
  sweepSpecFromObject({
    name: 'wb',
    base: { objective: 'iwae', trainSize: 100, testSize: 50, epochs: 2, evalK: 10, batchSize: 10 },
    grid: { k: [2, 3] },
  }),
);

const beat = (id: string, backend: string) =>
  new WorkerRegistry(redis, prefix).beat({
    id,
    host: 'h1',
    pid: 1,
    backend,
    concurrency: 1,
    running: [],
    finished: 0,
    startedAt: Date.now(),
    lastSeen: Date.now(),
    state: 'running',
  });

describe('status: the backend each worker runs on', () => {
  it('shows what its trials resolved to (auto → cpu), and the request where none has set one up', async () => {
    const [ran, starting] = plan.trials;
    if (!ran || !starting) throw new Error('the plan has two trials');
    const db = ResultsDb.open(dbFile);
    try {
      db.saveSweep({ id: plan.sweepId, spec: plan.spec, mode: 'redis' });
      db.addTrials(plan.sweepId, plan.trials);
      // As the collector records them: the start names the worker's request, then the trial's
      // own report names the backend it set up.
      db.trialStarted(ran.id, { host: 'h1', backend: 'auto', workerId: 'w-ran' });
      db.trialPhase(ran.id, 'evaluating', { backend: 'cpu' });
      db.trialStarted(starting.id, { host: 'h1', backend: 'auto', workerId: 'w-starting' });
    } finally {
      db.close();
    }
    await beat('w-ran', 'auto');
    await beat('w-starting', 'auto');

    const json = await runCli(['status', '--db', dbFile, '--sweep', plan.sweepId, '--format', 'json'], { env });
    expect(json.code, json.stderr).toBe(0);
    const workers = (JSON.parse(json.stdout) as { queue: { workers: Record<string, unknown>[] } }).queue.workers;
    expect(workers.map((w) => [w.id, w.backend, w.resolvedBackend, w.backendShown])).toEqual([
      ['w-ran', 'auto', 'cpu', 'auto → cpu'],
      ['w-starting', 'auto', null, 'auto'],
    ]);

    const table = await runCli(['status', '--db', dbFile], { env });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/w-ran\s+h1\s+auto → cpu\s/);
    expect(table.stdout).toMatch(/w-starting\s+h1\s+auto\s/);
  }, 60_000);
});
