/**
 * No-op job throughput, measured twice in one run on the same Redis: raw BullMQ (addBulk +
 * Worker with an empty processor) and through our layer (SweepQueues.enqueueTrials with the
 * catalog's validation and options, and a Worker whose processor validates the payload with
 * readTrialJob). Both in-process, concurrency 50. Every job of ours carries a priority (the sweep's
 * band and the trial's cost level, spread here over 40 levels as a K-heterogeneous sweep's are), so
 * raw BullMQ is also measured with the same priorities: what priorities cost, and what our layer
 * costs beyond them. argv: jobs.
 */
import { normalizeTrialConfig, type TrialJob } from '@iwae-sweep/core';
import { connectionOptions, QUEUE_NAMES, readTrialJob, SweepQueues, trialJobPriority } from '@iwae-sweep/queue';
import { Queue, Worker } from 'bullmq';
import { BENCH_REDIS, benchPrefix } from './bench-deployment.ts';

const n = Number(process.argv[2] ?? 10_000);
const url = BENCH_REDIS;
const config = normalizeTrialConfig({ objective: 'iwae', k: 5, epochs: 1 });
const payload = (i: number): TrialJob => ({ sweepId: 'bench', trialId: `t${i.toString(16).padStart(20, '0')}`, config });
/** Trial i's estimated flops: 10^9 … 10^13, 40 cost levels. */
const flopsOf = (i: number) => 10 ** (9 + (i % 40) / 10);

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

async function raw(prioritized: boolean): Promise<{ add: number; process: number }> {
  const prefix = benchPrefix(prioritized ? 'raw-prio' : 'raw');
  const queue = new Queue(QUEUE_NAMES.trials, { connection: connectionOptions(url, 'producer'), prefix });
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({
        name: 'trial',
        data: payload(i + j),
        opts: {
          jobId: payload(i + j).trialId,
          removeOnComplete: true,
          ...(prioritized ? { priority: trialJobPriority(flopsOf(i + j)) } : {}),
        },
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
  await queues.enqueueTrials(jobs.map((job, i) => ({ job, flops: flopsOf(i) })));
  const add = (performance.now() - t0) / 1000;
  const process = await drain(prefix, async (job) => {
    readTrialJob(job);
  });
  await queues.obliterate();
  await queues.close();
  return { add, process };
}

// Alternate the order so that neither always runs on a warmer Redis.
const r1 = await raw(false);
const p1 = await raw(true);
const o1 = await ours();
const o2 = await ours();
const p2 = await raw(true);
const r2 = await raw(false);
const rate = (s: number) => n / s;
const mean = (a: { add: number; process: number }, b: { add: number; process: number }) => ({
  add: (rate(a.add) + rate(b.add)) / 2,
  process: (rate(a.process) + rate(b.process)) / 2,
});
const plain = mean(r1, r2);
const prio = mean(p1, p2);
const oursRate = mean(o1, o2);
process.stdout.write(
  `${JSON.stringify({
    jobs: n,
    'raw add/s': plain.add,
    'raw+prio add/s': prio.add,
    'ours add/s': oursRate.add,
    'add ratio': oursRate.add / plain.add,
    'add ÷ raw+prio': oursRate.add / prio.add,
    'raw processed/s': plain.process,
    'raw+prio processed/s': prio.process,
    'ours processed/s': oursRate.process,
    'process ratio': oursRate.process / plain.process,
    'process ÷ raw+prio': oursRate.process / prio.process,
  })}\n`,
);
process.exit(0);
