import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { runTrial } from './run-trial.ts';
import { tinyConfig } from './test-fixtures.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('the gradSnr trial field', () => {
  it('measures the SNR after every gradSnrEvery epochs and at the end, without changing training', async () => {
    const base = {
      objective: 'iwae-dreg',
      k: 2,
      trainSize: 50,
      batchSize: 50,
      testSize: 10,
      evalK: 5,
      activeUnitImages: 10,
      epochs: 3,
    } as const;
    const plain = await runTrial(tinyConfig(base), { backend: 'wasm' });
    const checked = await runTrial(tinyConfig({ ...base, gradSnr: 4, gradSnrEvery: 2 }), { backend: 'wasm' });
    expect(plain.gradientSnr).toBeUndefined();
    // Epochs 2 (every 2) and 3 (the end) are checked, epoch 1 is not.
    expect(checked.epochs.map((m) => m.gradientSnr !== undefined)).toEqual([false, true, true]);
    const snr = checked.gradientSnr;
    expect(snr).toEqual(checked.epochs[2]?.gradientSnr);
    expect(snr?.draws).toBe(4);
    // 1 layer, 784-200-200-50: 217,300 encoder parameters, less the first layer's weights of the
    // pixels that are 0 in every image of the batch (their gradient is always 0: no SNR).
    const encoderParams = 784 * 200 + 200 + 200 * 200 + 200 + 2 * (200 * 50 + 50);
    expect(snr?.encoder.parameters).toBeLessThan(encoderParams);
    expect(snr?.encoder.parameters).toBeGreaterThan(encoderParams / 2);
    expect((encoderParams - (snr?.encoder.parameters ?? 0)) % 200).toBe(0);
    expect(snr?.encoder.mean).toBeGreaterThan(0);
    expect(snr?.decoder.median).toBeGreaterThanOrEqual(0);
    // The checks draw from streams of their own: training and evaluation are bit-identical.
    expect(checked.epochs.map((m) => m.trainBound)).toEqual(plain.epochs.map((m) => m.trainBound));
    expect(checked.testBound).toBe(plain.testBound);
  });

  // A worker's stall watchdog must see the draws: thousands at a large K can outlast any timeout.
  it('reports progress after every training batch and every gradient draw', async () => {
    let calls = 0;
    // 2 batches of 20, no validation, then 7 draws after the one epoch.
    const config = tinyConfig({
      objective: 'iwae',
      k: 2,
      trainSize: 40,
      batchSize: 20,
      testSize: 10,
      evalK: 5,
      activeUnitImages: 10,
      epochs: 1,
      gradSnr: 7,
    });
    await runTrial(config, { backend: 'wasm', onTrainProgress: () => calls++ });
    expect(calls).toBe(2 + 7);
  });
});
