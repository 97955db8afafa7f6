import { normalizeTrialConfig, Rng, type TrialConfig, type TrialConfigInput } from '@iwae-sweep/core';
import type { ImageSet } from './mnist.ts';

/** A small trial config for tests (fields can be overridden). */
export function tinyConfig(overrides: Partial<TrialConfigInput> & { epochs?: number } = {}): TrialConfig {
  return normalizeTrialConfig({
    objective: 'iwae',
    k: 5,
    batchSize: 50,
    trainSize: 200,
    testSize: 50,
    evalK: 20,
    activeUnitImages: 50,
    epochs: 2,
    ...overrides,
  });
}

/** Random grey-level images of `pixels` pixels, for models too small for MNIST. */
export function syntheticImages(n: number, pixels: number, seed = 0): ImageSet {
  const rng = Rng.fromSeed(seed, 'synthetic-images');
  const images = new Float32Array(n * pixels);
  rng.fillUniform(images);
  return { n, pixels, images };
}
