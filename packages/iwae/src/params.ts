import type { Rng } from '@iwae-sweep/core';
import * as tf from '@tensorflow/tfjs-core';
import { type Architecture, type ParamSpec, parameterSpecs } from './architecture.ts';

/** The model's trainable tensors by name, in {@link parameterSpecs} order. */
export type Params = Map<string, tf.Variable>;

/**
 * Initial values: Glorot-uniform weights, zero biases, and the Bernoulli output bias set to the
 * logit of the mean training image (clipped to [0.001, 0.999]) as in the paper.
 */
export function initialValues(arch: Architecture, rng: Rng, dataMean: Float32Array): Map<string, Float32Array> {
  const values = new Map<string, Float32Array>();
  for (const spec of parameterSpecs(arch)) values.set(spec.name, initialValue(spec, rng, dataMean));
  return values;
}

function initialValue(spec: ParamSpec, rng: Rng, dataMean: Float32Array): Float32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  if (spec.init === 'glorot') {
    const [fanIn, fanOut] = spec.shape as [number, number];
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    rng.fillUniform(out, -limit, limit);
  } else if (spec.init === 'data-logit') {
    if (dataMean.length !== size) throw new RangeError(`data mean has ${dataMean.length} pixels, expected ${size}`);
    for (let i = 0; i < size; i++) {
      const p = Math.min(0.999, Math.max(0.001, dataMean[i] as number));
      out[i] = Math.log(p / (1 - p));
    }
  }
  return out;
}

export function createParams(arch: Architecture, values: Map<string, Float32Array>): Params {
  const params: Params = new Map();
  for (const spec of parameterSpecs(arch)) {
    const v = values.get(spec.name);
    if (!v) throw new RangeError(`no value for parameter ${spec.name}`);
    // Unnamed: tfjs variable names are process-global, and several models may coexist.
    params.set(spec.name, tf.variable(tf.tensor(v, spec.shape, 'float32'), true));
  }
  return params;
}

export function param(params: Params, name: string): tf.Variable {
  const p = params.get(name);
  if (!p) throw new RangeError(`unknown parameter ${name}`);
  return p;
}

/** Per-pixel mean of a set of images ([n, pixels] row-major). */
export function pixelMean(images: Float32Array, n: number, pixels: number): Float32Array {
  const sum = new Float64Array(pixels);
  for (let i = 0; i < n; i++) {
    const base = i * pixels;
    for (let p = 0; p < pixels; p++) sum[p] = (sum[p] as number) + (images[base + p] as number);
  }
  return Float32Array.from(sum, (s) => s / n);
}
