import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, killTree, runCli, startCli, tempDir, waitFor } from '../helpers/cli.ts';
import { dashboardUrl } from '../helpers/dashboard-url.ts';
import { allTrials, assertExactlyOnce, deletePrefix, trialStates, uniquePrefix, withDb } from '../helpers/sweep-fixture.ts';

const REDIS = 'redis://127.0.0.1:6379';
const prefix = uniquePrefix('racing');
const tmp = tempDir('dist-racing');
const env = { IWAE_SWEEP_PREFIX: prefix, IWAE_SWEEP_REDIS_URL: REDIS };
const spec = tmp.file(
  'race.yaml',
  `name: race
base: { trainSize: 200, testSize: 20, batchSize: 50, epochs: 2, evalK: 20, evalKs: [1, 5] }
grid:
  k: [1, 2, 3, 4, 5, 6]
  objective: [iwae]
`,
);
const db = `${tmp.dir}/iwae.db`;
const procs: ReturnType<typeof startCli>[] = [];
afterAll(async () => {
  for (const p of procs) await killTree(p);
  await deletePrefix(REDIS, prefix);
  tmp.cleanup();
});

describe('a distributed sweep on real Redis with two racing workers', () => {
  // Every test here works on this one sweep: it runs once, before any of them (so each can run alone).
  let launched: CliResult;
  beforeAll(async () => {
    const workers = [0, 1].map(() => startCli(['worker', '--concurrency', '1', '--checkpoints', `${tmp.dir}/ckpt`], { env }));
    procs.push(...workers);
    // Both up before the trials are queued: on a loaded machine one worker can start seconds after
    // the other, and the first would run all six short trials alone (no race, and no "both took some").
    await waitFor(
      () => workers.every((w) => /waiting for trials/.test(w.seen().stderr)),
      120_000,
      'both workers waiting for trials',
      100,
      () => workers.map((w) => w.seen().stderr.slice(-300)),
    );
    launched = await runCli(['launch', spec, '--db', db], { env });
    if (launched.code !== 0) return;
    procs.push(startCli(['serve', '--db', db, '--no-dashboard'], { env }));
    await waitFor(() => allTrials(db, 'race', 6), 120_000, 'all 6 trials done', 100, trialStates(db, 'race'));
  }, 270_000);

  it('runs every trial exactly once and records every epoch exactly once', () => {
    expect(launched.code, launched.stderr).toBe(0);
    expect(launched.stderr).toMatch(/sweep race: 6 trials \(6 new\), 6 queued in Redis, 0 already done/);

    expect(assertExactlyOnce(db, 'race')).toEqual({ trials: 6, epochs: 12 });
    withDb(db, (d) => {
      const trials = d.trialsOf('race');
      // Each trial was taken by exactly one worker, once; both workers took some.
      expect(trials.map((t) => t.attempts)).toEqual([1, 1, 1, 1, 1, 1]);
      expect(new Set(trials.map((t) => t.workerId)).size).toBe(2);
      for (const r of d.results({ sweepId: 'race' })) {
        expect(r.testBoundsByK['1']).toBeLessThan(r.testBoundsByK['5'] as number);
      }
    });
  });

  it('re-launching the same spec queues nothing and changes nothing', async () => {
    const again = await runCli(['launch', spec, '--db', db], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/6 trials \(0 new\), 0 queued in Redis, 6 already done/);
    expect(assertExactlyOnce(db, 'race')).toEqual({ trials: 6, epochs: 12 });
  });

  it('`add` queues only the new trials of an extended spec', async () => {
    const extended = tmp.file(
      'race2.yaml',
      (await import('node:fs')).readFileSync(spec, 'utf8').replace('k: [1, 2, 3, 4, 5, 6]', 'k: [1, 2, 3, 4, 5, 6, 7]'),
    );
    const added = await runCli(['add', extended, '--db', db], { env });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toMatch(/7 trials \(1 new\), 1 queued in Redis, 6 already done/);
    await waitFor(() => allTrials(db, 'race', 7), 120_000, 'the added trial done', 100, trialStates(db, 'race'));
    expect(assertExactlyOnce(db, 'race')).toEqual({ trials: 7, epochs: 14 });
    const status = await runCli(['status', '--db', db, '--sweep', 'race']);
    expect(status.stdout).toMatch(/race\s+redis\s+done\s+7\s+7/);
  });

  it('status --redis shows the queue and its workers; the dashboard mounts bull-board and queue metrics', async () => {
    const status = await runCli(['status', '--db', db], { env });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/queue test-racing-[0-9a-f]+: .*\d+ completed/);
    // Both racing workers are listed from their heartbeats, each alive.
    expect(status.stdout).toMatch(/^worker\s+host\s+backend\s+gpu\s+running/m);
    expect(status.stdout.match(/^\S+\s+\S+\s+\S+.*\balive$/gm) ?? []).toHaveLength(2);

    const dash = startCli(['serve', '--db', db, '--port', '0'], { env });
    procs.push(dash);
    const url = await dashboardUrl(dash);
    const board = await fetch(`${url}/queues`);
    expect(board.status).toBe(200);
    expect(await board.text()).toMatch(/<div id="root">/);
    const api = (await (await fetch(`${url}/queues/api/queues`)).json()) as { queues: { name: string }[] };
    expect(api.queues.map((q) => q.name).sort()).toEqual(['results', 'trials']);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/iwae_queue_jobs\{state="completed"\} \d+/);
    expect(metrics).toMatch(/iwae_workers [1-9]/);
  });
});
