/**
 * A sandboxed processor whose "trial" is a fixed sleep (IWAE_BENCH_SLEEP_MS), run through the
 * same processor body as real trials (started, phase, epoch and result events, cancel checks):
 * it measures the orchestration alone.
 */
import type { TrialResult } from '@iwae-sweep/core';
import { createTrialProcessor } from '@iwae-sweep/worker';

const sleepMs = Number(process.env.IWAE_BENCH_SLEEP_MS ?? 200);

export default createTrialProcessor(async (job, opts) => {
  await opts.sink.phase('training', { backend: 'sleep' });
  const start = performance.now();
  await new Promise((r) => setTimeout(r, sleepMs));
  const seconds = (performance.now() - start) / 1000;
  const epoch = { epoch: 1, trainBound: -100, seconds, examplesPerSecond: 1, learningRate: job.config.learningRate };
  await opts.sink.epoch(epoch, 1);
  await opts.sink.phase('evaluating', {});
  const result: TrialResult = {
    testNll: 100,
    testBound: -100,
    evalK: job.config.evalK,
    testBoundsByK: {},
    trainBound: -100,
    activeUnits: 0,
    activeUnitsPerLayer: [0],
    epochs: [epoch],
    examplesPerSecond: 1,
    trainSeconds: seconds,
    evalSeconds: 0,
    backend: 'sleep',
    gradient: 'fast',
    seed: job.config.seed,
    resumedFromEpoch: 0,
    config: job.config,
  };
  return result;
});
