/**
 * N short trials (a fixed sleep each) through the whole distributed path: launch → Redis →
 * sandboxed worker processes → results queue → collector → SQLite. Wall time against the ideal
 * N × sleep / concurrency. argv: trials sleepMs concurrency.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expandSweep, sweepSpecFromObject } from '@iwae-sweep/core';
import { Collector, launchSweep } from '@iwae-sweep/scheduler';
import { DistributedWorker } from '@iwae-sweep/worker';
import { benchDeployment } from './bench-deployment.ts';

const [n = 500, sleepMs = 200, concurrency = 10] = process.argv.slice(2).map(Number);
process.env.IWAE_BENCH_SLEEP_MS = String(sleepMs);
const deployment = await benchDeployment('overhead');
const { url, prefix, dir, db, queues } = deployment;
const quiet = () => undefined;

// Workers first, warmed with one trial each, so that process start-up is reported apart.
const worker = await DistributedWorker.start({
  url,
  prefix,
  concurrency,
  checkpoints: join(dir, 'ckpt'),
  processorFile: fileURLToPath(new URL('./sleep-processor.ts', import.meta.url)),
  log: quiet,
});
const collector = new Collector({ db, queues, log: quiet, reconcileEveryMs: 3_600_000 });
await collector.start();

async function runSweep(name: string, trials: number): Promise<number> {
  const plan = expandSweep(
    sweepSpecFromObject({
      name,
      base: { objective: 'iwae', k: 1, epochs: 1, trainSize: 20, batchSize: 20, testSize: 2, evalK: 1 },
      seeds: trials,
    }),
  );
  const start = performance.now();
  await launchSweep(db, queues, plan);
  let workersDone = 0;
  for (;;) {
    if (
      !workersDone &&
      (await queues.trials.getJobCountByTypes('completed')) >= trials + (name === 'overhead' ? concurrency : 0)
    ) {
      workersDone = (performance.now() - start) / 1000;
      if (process.env.BENCH_DEBUG) console.error(`${name}: all trial jobs completed after ${workersDone.toFixed(2)} s`);
    }
    const [s] = db.sweepSummaries(name);
    if (s && s.done === trials) break;
    if (s && s.failed > 0) throw new Error(`${s.failed} trial(s) failed: ${db.trialsOf(name, ['failed'])[0]?.error}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return (performance.now() - start) / 1000;
}
const warmup = await runSweep('warmup', concurrency);
const seconds = await runSweep('overhead', n);
const ideal = (n * sleepMs) / 1000 / concurrency;
await worker.stop();
await collector.stop();
await deployment.close();
process.stdout.write(
  `${JSON.stringify({ trials: n, 'sleep ms': sleepMs, concurrency, 'warm-up s (process start)': warmup, 'wall s': seconds, 'ideal s': ideal, 'overhead %': (100 * (seconds - ideal)) / ideal, 'ms per trial': ((seconds - ideal) * 1000 * concurrency) / n })}\n`,
);
process.exit(0);
