import type { TrialConfig, TrialResult } from '@iwae-sweep/core';

/**
 * A plausible finished trial for filling a results DB at scale: test NLL `nll`, bounds that
 * tighten with k, and a training curve of `epochs` epochs rising towards −nll.
 */
export function syntheticResult(config: TrialConfig, nll: number, epochs: number): TrialResult {
  return {
    testNll: nll,
    testBound: -nll,
    evalK: 5000,
    testBoundsByK: { '1': -nll - 5, '5': -nll - 1, '50': -nll - 0.1 },
    trainBound: -nll - 2,
    activeUnits: 20,
    activeUnitsPerLayer: config.layers === 1 ? [20] : [15, 5],
    epochs: Array.from({ length: epochs }, (_, i) => ({
      epoch: i + 1,
      trainBound: -nll - 10 / (i + 1),
      seconds: 1,
      examplesPerSecond: 200,
      learningRate: config.learningRate,
    })),
    examplesPerSecond: 200,
    trainSeconds: epochs,
    evalSeconds: 1,
    backend: 'wasm',
    gradient: 'fast',
    seed: config.seed,
    resumedFromEpoch: 0,
    config,
  };
}
