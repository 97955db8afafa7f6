import { normalizeTrialConfig, Rng, type TrialConfig, type TrialConfigInput } from '@iwae-sweep/core';
import * as tf from '@tensorflow/tfjs-core';
import { type Architecture, architectureOf } from './architecture.ts';
import { binarizeRows } from './binarize.ts';
import type { ImageSet } from './mnist.ts';
import { createParams, initialValues, type Params, pixelMean } from './params.ts';

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

/** A tiny model (6 pixels, latent 2, hidden 4; or 784 pixels at the paper's sizes) with random data. */
export interface TinyModel {
  arch: Architecture;
  params: Params;
  /** [b, dataDim] binarised rows. */
  x: Float32Array;
  rng: Rng;
}

export function tinyModel(layers: 1 | 2, dataDim: number, b: number, seed = 5, images?: Float32Array): TinyModel {
  const config = tinyConfig(dataDim === 784 ? { layers } : { layers, latent: 2, latent1: 3, hidden: 4, hidden2: 3 });
  const arch = architectureOf(config, dataDim);
  const rng = Rng.fromSeed(seed, `tiny-${layers}-${dataDim}`);
  const source = images ?? Float32Array.from({ length: b * dataDim }, () => rng.nextFloat());
  const params = createParams(arch, initialValues(arch, rng, pixelMean(source, b, dataDim)));
  const rows = Int32Array.from({ length: b }, (_, i) => i);
  return { arch, params, x: binarizeRows(source, dataDim, rows, rng, new Float32Array(b * dataDim)), rng };
}

/** Standard-normal ε for `samples` samples of `b` rows, one tensor per stochastic layer. */
export function drawEps(arch: Architecture, rng: Rng, samples: number, b: number): tf.Tensor2D[] {
  return arch.latent.map((d) => {
    const e = new Float32Array(samples * b * d);
    rng.fillNormal(e);
    return tf.tensor2d(e, [samples * b, d]);
  });
}

export function disposeParams(params: Params): void {
  for (const v of params.values()) v.dispose();
}
