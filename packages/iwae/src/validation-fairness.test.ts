import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.ts';
import { evaluateBound } from './evaluate.ts';
import { type ImageSet, loadMnistImages, takeImages } from './mnist.ts';
import { tinyConfig } from './test-fixtures.ts';
import { IwaeTrainer } from './trainer.ts';
import { validationBound, validationImages } from './validation.ts';

beforeAll(async () => {
  await initBackend('wasm');
});

/**
 * Early stopping ranks trials on the validation bound. It must rank a model the same whatever K
 * it was trained with: a K=1 and a K=50 trial holding the same weights are the same model.
 */
describe('the validation bound as an early-stopping metric', () => {
  it('gives a K=1 and a K=50 trial of the same model the same value, where their training bounds differ', async () => {
    const split = loadMnistImages('train');
    const trainImages = takeImages(split, 200);
    const common = { objective: 'iwae', trainSize: 200, batchSize: 50, validationSize: 100, validationK: 20 } as const;
    const k1 = new IwaeTrainer(tinyConfig({ ...common, k: 1 }), trainImages);
    const k50 = new IwaeTrainer(tinyConfig({ ...common, k: 50 }), trainImages);
    try {
      // Make them one trained model: train the K=1 trial, copy its weights into the K=50 one.
      k1.trainEpoch();
      for (const [name, v] of k1.params) k50.params.get(name)?.assign(v);
      const held = validationImages(k1.config, split) as ImageSet;
      const [v1, v50] = [await validationBound(k1, held), await validationBound(k50, held)];
      expect(v1).toBe(v50);
      // Their own objectives are different bounds of this one model: L_1 < L_50 by several nats.
      const l1 = await evaluateBound(k1.ops, k1.params, k1.arch, held, { k: 1, seed: 0 });
      const l50 = await evaluateBound(k50.ops, k50.params, k50.arch, held, { k: 50, seed: 0 });
      expect(l50.bound - l1.bound).toBeGreaterThan(2);
      // And the metric sees the training: the untrained model is worse on it.
      const fresh = new IwaeTrainer(tinyConfig({ ...common, k: 50 }), trainImages);
      try {
        expect(await validationBound(fresh, held)).toBeLessThan(v1 - 1);
      } finally {
        fresh.dispose();
      }
    } finally {
      k1.dispose();
      k50.dispose();
    }
  });
});
