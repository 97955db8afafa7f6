import type { Objective, TrialConfig } from '@iwae-sweep/core';
import * as tf from '@tensorflow/tfjs-core';
import type { Architecture } from './architecture.ts';
import { iwaeBound, objectiveValue, vaeBound } from './bounds.ts';
import type { LayerOps } from './layer-ops.ts';
import { type LogWeightOptions, logWeights } from './model.ts';
import type { Params } from './params.ts';
import { DeferredRowScale } from './row-scale.ts';
import { stopGradient } from './stop-gradient.ts';

/** An objective with the options it uses (m for miwae/piwae, beta for ciwae). */
export interface ObjectiveSpec {
  objective: Objective;
  /** Samples per group. */
  k: number;
  /** Groups of k samples (miwae, piwae). */
  m?: number | undefined;
  /** ELBO weight (ciwae). */
  beta?: number | undefined;
}

export function objectiveSpecOf(c: TrialConfig): ObjectiveSpec {
  return { objective: c.objective, k: c.k, m: c.m, beta: c.beta };
}

/** Samples drawn per data point: m·K for the grouped objectives, K otherwise. */
export function samplesOf(spec: ObjectiveSpec): number {
  return spec.k * (spec.m ?? 1);
}

/** Per data point mean of m IWAE bounds of k samples each, from log weights [m·k, B]. [B] */
export function miwaeBound(logW: tf.Tensor2D, m: number): tf.Tensor1D {
  const [rows, b] = logW.shape;
  const k = rows / m;
  const groups = tf.reshape(logW, [m, k, b]);
  return tf.mean(tf.sub(tf.logSumExp(groups, 1), Math.log(k)), 0) as tf.Tensor1D;
}

/** Per data point β·ELBO + (1−β)·IWAE from log weights [K, B]. [B] */
export function ciwaeBound(logW: tf.Tensor2D, beta: number): tf.Tensor1D {
  return tf.add(tf.mul(beta, vaeBound(logW)), tf.mul(1 - beta, iwaeBound(logW))) as tf.Tensor1D;
}

/**
 * The value an objective reports as its training bound (mean over the batch), from log weights
 * [samplesOf(spec), B]. STL and DReG change gradients only: their value is L_K. PIWAE reports
 * the decoder's bound, IWAE(m·K).
 */
export function boundValue(spec: ObjectiveSpec, logW: tf.Tensor2D, reduction: Reduction = 'mean'): tf.Scalar {
  switch (spec.objective) {
    case 'vae':
    case 'iwae':
      return objectiveValue(spec.objective, logW, reduction);
    case 'iwae-stl':
    case 'iwae-dreg':
    case 'piwae':
      return reduce(iwaeBound(logW), reduction);
    case 'miwae':
      return reduce(miwaeBound(logW, spec.m ?? 1), reduction);
    case 'ciwae':
      return reduce(ciwaeBound(logW, spec.beta ?? 0), reduction);
  }
}

/** How a batch's per-point values become the loss: their mean (the paper's text) or sum (the authors' code). */
export type Reduction = 'mean' | 'sum';

function reduce(perPoint: tf.Tensor1D, reduction: Reduction): tf.Scalar {
  return (reduction === 'sum' ? tf.sum(perPoint) : tf.mean(perPoint)) as tf.Scalar;
}

export interface StepInputs {
  ops: LayerOps;
  params: Params;
  arch: Architecture;
  /** [B, D] binary data. */
  x: tf.Tensor2D;
  /** One [samplesOf(spec)·B, d_l] standard-normal tensor per stochastic layer (sample-major rows). */
  eps: tf.Tensor2D[];
}

export interface ObjectiveGradients {
  /** −(training bound) reduced over the batch (the minimised loss for vae/iwae/miwae/ciwae). */
  loss: tf.Scalar;
  /** Gradients of the loss, keyed by variable name. */
  grads: tf.NamedTensorMap;
  /** The step's log weights [samples, B], kept for the caller's readouts (the caller disposes them). */
  logW: tf.Tensor2D;
}

/** Encoder parameters are named enc*, decoder ones dec* (architecture.ts). */
export const isEncoder = (name: string): boolean => name.startsWith('enc');

/** Σ_k c_k log w_k reduced over the batch, with c constant: a surrogate whose gradient is Σ c ∇log w. */
function weighted(coefficients: tf.Tensor2D, logW: tf.Tensor2D, reduction: Reduction): tf.Scalar {
  return reduce(tf.sum(tf.mul(stopGradient(coefficients), logW), 0) as tf.Tensor1D, reduction);
}

/**
 * The loss and gradients of one training step for any objective. vae and iwae run exactly the
 * ops they always ran (so their results stay bit-identical). The log weights come back kept. The estimators that treat the
 * encoder and decoder differently (DReG, PIWAE) use surrogates with stopped weights; on the
 * reference path each parameter group gets its own autodiff pass (the textbook form, and the
 * ground truth for the fast path), on the fast path DReG takes one pass ({@link DeferredRowScale}).
 */
export function objectiveGradients(spec: ObjectiveSpec, inp: StepInputs, reduction: Reduction = 'mean'): ObjectiveGradients {
  const { ops, params, arch, x, eps } = inp;
  const vars = [...params.values()];
  const n = samplesOf(spec);
  // The log weights are kept past the gradient's own scope so that callers can read bounds off
  // them without a second forward pass.
  let logW: tf.Tensor2D | undefined;
  const lw = (opts?: LogWeightOptions) => {
    logW = tf.keep(logWeights(ops, params, arch, x, eps, n, opts));
    return logW;
  };
  let bound: tf.Scalar | undefined;
  const keepBound = (w: tf.Tensor2D) => {
    bound = tf.keep(boundValue(spec, w, reduction));
  };
  const done = (loss: tf.Scalar, grads: tf.NamedTensorMap): ObjectiveGradients => {
    if (!logW) throw new Error('the objective computed no log weights');
    return { loss, grads, logW };
  };
  switch (spec.objective) {
    case 'vae':
    case 'iwae':
    case 'miwae':
    case 'ciwae': {
      const { value, grads } = tf.variableGrads(() => tf.neg(boundValue(spec, lw(), reduction)) as tf.Scalar, vars);
      return done(value, grads);
    }
    case 'iwae-stl': {
      // Roeder et al.: the IWAE gradient Σ w̃_k ∇log w_k with log q at stopped φ. Biased for K > 1.
      const { value, grads } = tf.variableGrads(() => {
        const w = lw({ stopEncoderInLogQ: true });
        keepBound(w);
        return tf.neg(weighted(normalisedWeights(w), w, reduction)) as tf.Scalar;
      }, vars);
      value.dispose();
      return done(negate(bound), grads);
    }
    case 'iwae-dreg': {
      if (ops.name === 'fast') {
        // One pass: differentiate Σ w̃ log w (stopped log q), and scale the gradient leaving each z
        // towards the encoder by w̃ once more.
        const scale = new DeferredRowScale();
        try {
          const { value, grads } = tf.variableGrads(() => {
            const w = lw({ stopEncoderInLogQ: true, atDensities: scale.apply });
            keepBound(w);
            const wt = normalisedWeights(w);
            scale.setFactors(wt);
            return tf.neg(weighted(wt, w, reduction)) as tf.Scalar;
          }, vars);
          value.dispose();
          return done(negate(bound), grads);
        } finally {
          scale.dispose();
        }
      }
      // The reference form: one autodiff pass per parameter group, each with its own surrogate.
      const { encoder, decoder } = parameterGroups(params);
      const dec = tf.variableGrads(() => {
        const w = lw();
        keepBound(w);
        return tf.neg(weighted(normalisedWeights(w), w, reduction)) as tf.Scalar;
      }, decoder);
      const enc = tf.variableGrads(() => {
        const w = logWeights(ops, params, arch, x, eps, n, { stopEncoderInLogQ: true });
        return tf.neg(weighted(tf.square(normalisedWeights(w)) as tf.Tensor2D, w, reduction)) as tf.Scalar;
      }, encoder);
      dec.value.dispose();
      enc.value.dispose();
      return done(negate(bound), { ...dec.grads, ...enc.grads });
    }
    case 'piwae': {
      // Decoder on IWAE(m·K), encoder on MIWAE(m, K): one autodiff pass each.
      const { encoder, decoder } = parameterGroups(params);
      const dec = tf.variableGrads(() => tf.neg(reduce(iwaeBound(lw()), reduction)) as tf.Scalar, decoder);
      const enc = tf.variableGrads(
        () => tf.neg(reduce(miwaeBound(logWeights(ops, params, arch, x, eps, n), spec.m ?? 1), reduction)) as tf.Scalar,
        encoder,
      );
      enc.value.dispose();
      return done(dec.value, { ...dec.grads, ...enc.grads });
    }
  }
}

/** Normalised importance weights w̃ = softmax over the samples of log w [K, B]. */
function normalisedWeights(logW: tf.Tensor2D): tf.Tensor2D {
  return tf.exp(tf.sub(logW, tf.logSumExp(logW, 0, true))) as tf.Tensor2D;
}

function negate(bound: tf.Scalar | undefined): tf.Scalar {
  if (!bound) throw new Error('the objective computed no bound');
  const loss = tf.neg(bound) as tf.Scalar;
  bound.dispose();
  return loss;
}

/** The encoder's (q) and the decoder's (p) variables. */
export function parameterGroups(params: Params): { encoder: tf.Variable[]; decoder: tf.Variable[] } {
  const entries = [...params];
  return {
    encoder: entries.filter(([name]) => isEncoder(name)).map(([, v]) => v),
    decoder: entries.filter(([name]) => !isEncoder(name)).map(([, v]) => v),
  };
}
