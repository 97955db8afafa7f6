/**
 * Makespan of a K-heterogeneous sweep (K ∈ {1, 5, 50} × vae/iwae × 2 seeds) through 2 distributed
 * workers, (a) launched at once and (b) launched as one half (seed 0) and extended with the other
 * (seed 1, by `add`, i.e. launchSweep of the extended spec) once the first trial runs. Each
 * against max(Σt/N, max t) with the trials' own measured durations t. argv: trainSize epochs.
 */
import { join } from 'node:path';
import { expandSweep, sweepSpecFromObject } from '@iwae-sweep/core';
import { Collector, launchSweep } from '@iwae-sweep/scheduler';
import { DistributedWorker } from '@iwae-sweep/worker';
import { benchDeployment } from './bench-deployment.ts';

const [trainSize = 1000, epochs = 2] = process.argv.slice(2).map(Number);
const deployment = await benchDeployment('makespan');
const { url, prefix, dir, db, queues } = deployment;
const quiet = () => undefined;
const workers = await Promise.all(
  [1, 2].map((i) =>
    DistributedWorker.start({ url, prefix, concurrency: 1, checkpoints: join(dir, 'ckpt'), workerId: `bench-${i}`, log: quiet }),
  ),
);
const collector = new Collector({ db, queues, log: quiet, reconcileEveryMs: 3_600_000 });
await collector.start();

const plan = (name: string, seeds: number[]) =>
  expandSweep(
    sweepSpecFromObject({
      name,
      base: { trainSize, epochs, batchSize: 100, testSize: 100, evalK: 100 },
      grid: { k: [1, 5, 50], objective: ['vae', 'iwae'] },
      seeds,
    }),
  );

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 1_800_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    const failed = db.trialsOf(db.sweepSummaries()[0]?.id ?? '', ['failed'])[0];
    if (failed) throw new Error(`trial failed: ${failed.error}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function measure(name: string, split: boolean) {
  if (split) {
    await launchSweep(db, queues, plan(name, [0]));
    await until(() => db.trialsOf(name, ['running']).length > 0, 'the first half running');
  }
  const whole = plan(name, [0, 1]);
  await launchSweep(db, queues, whole);
  // 10 trials, not 12: at K = 1 the IWAE is the VAE, one trial per seed.
  await until(() => db.sweepSummaries(name)[0]?.done === whole.trials.length, `sweep ${name} done`);
  const rows = db.trialsOf(name);
  const t = rows.map((r) => ((r.finishedAt as number) - (r.startedAt as number)) / 1000);
  const makespan =
    (Math.max(...rows.map((r) => r.finishedAt as number)) - Math.min(...rows.map((r) => r.startedAt as number))) / 1000;
  const bound = Math.max(t.reduce((a, b) => a + b, 0) / 2, Math.max(...t));
  return { makespan, bound, ratio: makespan / bound };
}

const single = await measure('single', false);
const halves = await measure('halves', true);
await Promise.all(workers.map((w) => w.stop()));
await collector.stop();
await deployment.close();
process.stdout.write(
  `${JSON.stringify({
    'single launch s': single.makespan,
    'single bound s': single.bound,
    // Three decimals: the target (≤ 1.02) and the issue's figure (1.008) need them.
    'single ratio': single.ratio.toFixed(3),
    'two halves s': halves.makespan,
    'two halves bound s': halves.bound,
    'two halves ratio': halves.ratio.toFixed(3),
  })}\n`,
);
process.exit(0);
