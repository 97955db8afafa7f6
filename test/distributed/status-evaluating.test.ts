import { afterAll, describe, expect, it } from 'vitest';
import { killTree, runCli, startCli, tempDir, waitFor } from '../helpers/cli.ts';
import { deletePrefix, readTrials, trialStates, uniquePrefix } from '../helpers/sweep-fixture.ts';

/**
 * `status` agrees with the queue while a trial evaluates (a trial being evaluated once showed
 * `queued 3/3` while the queue said 1 active): a real distributed sweep whose evaluation is long
 * next to its training, one worker, and the collector.
 */
const REDIS = 'redis://127.0.0.1:6379';
const prefix = uniquePrefix('evaluating');
const tmp = tempDir('dist-evaluating');
const env = { IWAE_SWEEP_PREFIX: prefix, IWAE_SWEEP_REDIS_URL: REDIS };
const db = `${tmp.dir}/iwae.db`;
// Two short epochs, then L_1000 on 1,000 test images: tens of seconds of evaluation on one core.
const spec = tmp.file(
  'evalong.yaml',
  `name: evalong
base: { objective: iwae, k: 2, trainSize: 100, batchSize: 50, epochs: 2, testSize: 1000, evalK: 1000, activeUnitImages: 100 }
seeds: 2
`,
);
const procs: ReturnType<typeof startCli>[] = [];
afterAll(async () => {
  for (const p of procs) await killTree(p);
  await deletePrefix(REDIS, prefix);
  tmp.cleanup();
});

interface StatusJson {
  sweep: { status: string; running: number; queued: number };
  trials: { id: string; status: string; phase: string | null; epochsDone: number; epochsTotal: number }[];
  queue: { counts: Record<string, number>; workers: { running: string[] }[] };
}

describe('status of a distributed sweep while a trial evaluates', () => {
  it('shows the evaluating trial running (epochs 2/2) as the queue shows it active, the other waiting', async () => {
    const launched = await runCli(['launch', spec, '--db', db], { env });
    expect(launched.code, launched.stderr).toBe(0);
    procs.push(startCli(['serve', '--db', db, '--no-dashboard'], { env }));
    procs.push(startCli(['worker', '--concurrency', '1', '--checkpoints', `${tmp.dir}/ckpt`], { env }));
    await waitFor(
      () => readTrials(db, 'evalong').some((t) => t.phase === 'evaluating'),
      120_000,
      'a trial to evaluate',
      200,
      trialStates(db, 'evalong'),
    );
    const r = await runCli(['status', '--db', db, '--sweep', 'evalong', '--format', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as StatusJson;
    const evaluating = s.trials.filter((t) => t.phase === 'evaluating');
    // Still evaluating when status read it (the evaluation lasts far longer than a CLI start).
    expect(evaluating).toHaveLength(1);
    expect(evaluating[0]).toMatchObject({ status: 'running', epochsDone: 2, epochsTotal: 2 });
    expect(s.trials.filter((t) => t.id !== evaluating[0]?.id).map((t) => t.status)).toEqual(['queued']);
    expect(s.sweep).toMatchObject({ status: 'running', running: 1, queued: 1 });
    // The queue says the same: one job active (on the one worker, running that trial), one waiting.
    expect(s.queue.counts.active).toBe(1);
    expect((s.queue.counts.waiting ?? 0) + (s.queue.counts.prioritized ?? 0)).toBe(1);
    expect(s.queue.workers.flatMap((w) => w.running)).toEqual([evaluating[0]?.id]);
  }, 180_000);
});
