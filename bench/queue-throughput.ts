/**
 * No-op job throughput, measured twice in one run on the same Redis: raw BullMQ (addBulk +
 * Worker with an empty processor) and through our layer (SweepQueues.enqueueTrials with the
 * catalog's validation and options, and a Worker whose processor validates the payload with
 * readTrialJob). Both in-process, concurrency 50. argv: jobs.
 */
import { normalizeTrialConfig, type TrialJob } from '@iwae-sweep/core';
import { connectionOptions, QUEUE_NAMES, readTrialJob, SweepQueues } from '@iwae-sweep/queue';
import { Queue, Worker } from 'bullmq';
import { BENCH_REDIS, benchPrefix } from './bench-deployment.ts';

const n = Number(process.argv[2] ?? 10_000);
const url = BENCH_REDIS;
const config = normalizeTrialConfig({ objective: 'iwae', k: 5, epochs: 1 });
const payload = (i: number): TrialJob => ({ sweepId: 'bench', trialId: `t${i.toString(16).padStart(20, '0')}`, config });

async function drain(
  prefix: string,
  processor: (job: { name: string; id?: string; data: unknown }) => Promise<void>,
): Promise<number> {
  let done = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const worker = new Worker(QUEUE_NAMES.trials, processor, {
      connection: connectionOptions(url, 'worker'),
      prefix,
      concurrency: 50,
    });
    worker.on('completed', () => {
      if (++done === n) void worker.close().then(resolve);
    });
  });
  return (performance.now() - start) / 1000;
}

async function raw(): Promise<{ add: number; process: number }> {
  const prefix = benchPrefix('raw');
  const queue = new Queue(QUEUE_NAMES.trials, { connection: connectionOptions(url, 'producer'), prefix });
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
        name: 'trial',
        data: payload(i + j),
        opts: { jobId: payload(i + j).trialId, removeOnComplete: true },
      })),
    );
  }
  const add = (performance.now() - t0) / 1000;
  const process = await drain(prefix, async () => {});
  await queue.obliterate({ force: true });
  await queue.close();
  return { add, process };
}

async function ours(): Promise<{ add: number; process: number }> {
  const prefix = benchPrefix('ours');
  const queues = await SweepQueues.open({ url, prefix });
  const jobs = Array.from({ length: n }, (_, i) => payload(i));
  const t0 = performance.now();
  await queues.enqueueTrials(jobs.map((job) => ({ job, flops: 1e12 })));
  const add = (performance.now() - t0) / 1000;
  const process = await drain(prefix, async (job) => {
    readTrialJob(job);
  });
  await queues.obliterate();
  await queues.close();
  return { add, process };
}

// Alternate the order so that neither always runs on a warmer Redis.
const r1 = await raw();
const o1 = await ours();
const o2 = await ours();
const r2 = await raw();
const rate = (s: number) => n / s;
const rawAdd = (rate(r1.add) + rate(r2.add)) / 2;
const oursAdd = (rate(o1.add) + rate(o2.add)) / 2;
const rawProc = (rate(r1.process) + rate(r2.process)) / 2;
const oursProc = (rate(o1.process) + rate(o2.process)) / 2;
process.stdout.write(
  `${JSON.stringify({ jobs: n, 'raw add/s': rawAdd, 'ours add/s': oursAdd, 'add ratio': oursAdd / rawAdd, 'raw processed/s': rawProc, 'ours processed/s': oursProc, 'process ratio': oursProc / rawProc })}\n`,
);
process.exit(0);
