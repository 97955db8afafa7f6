import { type EpochMetrics, learningRateAt, Rng, type RngState, type TrialConfig, totalEpochs } from '@iwae-sweep/core';
import * as tf from '@tensorflow/tfjs-core';
import { Adam, type AdamState } from './adam.ts';
import { type Architecture, architectureOf, parameterSpecs } from './architecture.ts';
import { binarizeRows } from './binarize.ts';
import { iwaeBound, vaeBound } from './bounds.ts';
import { NonFiniteLossError } from './errors.ts';
import { fastOps } from './fast-ops.ts';
import type { GradientPath, LayerOps } from './layer-ops.ts';
import type { ImageSet } from './mnist.ts';
import { objectiveGradients, objectiveSpecOf, samplesOf } from './objectives.ts';
import { createParams, initialValues, type Params, pixelMean } from './params.ts';
import { referenceOps } from './reference-ops.ts';

/** Everything needed to continue training exactly where it stopped. */
export interface TrainState {
  /** Epochs completed. */
  epoch: number;
  rng: RngState;
  params: Map<string, Float32Array>;
  adam: AdamState;
  history: EpochMetrics[];
}

export interface TrainerOptions {
  /** `fast` (hand-written gradients, default) or `reference` (tfjs autodiff). */
  gradient?: GradientPath;
}

export function layerOps(path: GradientPath): LayerOps {
  return path === 'fast' ? fastOps : referenceOps;
}

/**
 * Trains one IWAE/VAE on a set of images. All randomness (init, shuffling, binarisation, ε)
 * comes from streams seeded by `config.seed`, so equal configs give equal results on one
 * backend, and {@link state}/{@link restore} continue a run bit-exactly.
 */
export class IwaeTrainer {
  readonly arch: Architecture;
  readonly ops: LayerOps;
  readonly params: Params;
  private readonly adam: Adam;
  private rng: Rng;
  private completed = 0;
  private readonly log: EpochMetrics[] = [];
  private readonly xBuf: Float32Array;
  private readonly epsBufs: Float32Array[];

  constructor(
    readonly config: TrialConfig,
    private readonly train: ImageSet,
    opts: TrainerOptions = {},
  ) {
    if (train.n < config.trainSize) throw new RangeError(`trainSize ${config.trainSize} but only ${train.n} images given`);
    this.arch = architectureOf(config, train.pixels);
    this.ops = layerOps(opts.gradient ?? 'fast');
    const mean = pixelMean(train.images, config.trainSize, train.pixels);
    this.params = createParams(this.arch, initialValues(this.arch, Rng.fromSeed(config.seed, 'init'), mean));
    this.adam = new Adam(this.params, { beta1: config.beta1, beta2: config.beta2, epsilon: config.epsilon });
    this.rng = Rng.fromSeed(config.seed, 'train');
    this.xBuf = new Float32Array(config.batchSize * train.pixels);
    this.epsBufs = this.arch.latent.map((d) => new Float32Array(samplesOf(objectiveSpecOf(config)) * config.batchSize * d));
  }

  /** Epochs completed so far. */
  get epoch(): number {
    return this.completed;
  }

  get totalEpochs(): number {
    return totalEpochs(this.config.schedule);
  }

  get history(): readonly EpochMetrics[] {
    return this.log;
  }

  /**
   * Runs one epoch: a shuffled pass over the training set in batches. Besides the objective it
   * records, from the same log weights, both training bounds: mean_k log w (the ELBO estimate)
   * and logsumexp_k log w − log K (L_K), so VAE and IWAE curves can be read for what they are.
   */
  /**
   * Trains one epoch. `onBatch` is called after each batch with the examples done so far: a
   * watchdog's sign of life inside an epoch, which can take hours (the loop never yields).
   */
  trainEpoch(onBatch?: (examplesDone: number, examples: number) => void): EpochMetrics {
    const { batchSize, trainSize, lossReduction } = this.config;
    const spec = objectiveSpecOf(this.config);
    const k = samplesOf(spec);
    const lr = learningRateAt(this.config.schedule, this.config.learningRate, this.completed);
    const order = this.rng.shuffle(Int32Array.from({ length: trainSize }, (_, i) => i));
    const start = performance.now();
    let boundSum = 0;
    let elboSum = 0;
    let iwaeSum = 0;
    let batchIndex = 0;
    for (let from = 0; from < trainSize; from += batchSize, batchIndex++) {
      const rows = order.subarray(from, Math.min(from + batchSize, trainSize));
      const b = rows.length;
      const x = binarizeRows(this.train.images, this.train.pixels, rows, this.rng, this.xBuf.subarray(0, b * this.train.pixels));
      const eps = this.arch.latent.map((d, l) => {
        const buf = (this.epsBufs[l] as Float32Array).subarray(0, k * b * d);
        this.rng.fillNormal(buf);
        return buf;
      });
      // [loss, ELBO estimate, L_K], read back in one transfer.
      const values = tf.tidy(() => {
        const xt = tf.tensor2d(x, [b, this.train.pixels]);
        const et = eps.map((buf, l) => tf.tensor2d(buf, [k * b, this.arch.latent[l] as number]));
        const { loss, grads, logW } = objectiveGradients(
          spec,
          { ops: this.ops, params: this.params, arch: this.arch, x: xt, eps: et },
          lossReduction,
        );
        this.adam.apply(grads, lr);
        const out = tf.concat([
          tf.reshape(loss, [1]),
          tf.reshape(tf.mean(vaeBound(logW)), [1]),
          tf.reshape(tf.mean(iwaeBound(logW)), [1]),
        ]);
        logW.dispose();
        return out;
      });
      const [lossValue, elbo, iwae] = values.dataSync() as Float32Array;
      values.dispose();
      const bound = -(lossValue as number) / (lossReduction === 'sum' ? b : 1);
      if (!Number.isFinite(bound)) throw new NonFiniteLossError(this.completed, batchIndex, bound);
      boundSum += bound * b;
      elboSum += (elbo as number) * b;
      iwaeSum += (iwae as number) * b;
      onBatch?.(from + b, trainSize);
    }
    const seconds = (performance.now() - start) / 1000;
    this.completed += 1;
    const metrics: EpochMetrics = {
      epoch: this.completed,
      trainBound: boundSum / trainSize,
      trainElbo: elboSum / trainSize,
      trainIwae: iwaeSum / trainSize,
      seconds,
      examplesPerSecond: trainSize / seconds,
      learningRate: lr,
    };
    this.log.push(metrics);
    return metrics;
  }

  /** Records the validation bound measured after the last epoch (it travels with checkpoints). */
  recordValidation(bound: number): void {
    const last = this.log.at(-1);
    if (!last) throw new RangeError('no epoch trained yet to attach a validation bound to');
    last.validationBound = bound;
  }

  /** Adds a measurement taken after the last epoch to its metrics (kept in checkpoints with them). */
  annotateLastEpoch(extra: Pick<EpochMetrics, 'gradientSnr'>): EpochMetrics {
    const last = this.log.at(-1);
    if (!last) throw new RangeError('no epoch to annotate');
    Object.assign(last, extra);
    return last;
  }

  /** A snapshot of the whole training state (weights, Adam moments, RNG, epoch, history). */
  state(): TrainState {
    return {
      epoch: this.completed,
      rng: this.rng.state(),
      params: new Map([...this.params].map(([n, v]) => [n, Float32Array.from(v.dataSync() as Float32Array)])),
      adam: this.adam.state(),
      history: this.log.map((m) => ({ ...m })),
    };
  }

  /** Continues from a snapshot taken by {@link state} of a trainer with the same config. */
  restore(state: TrainState): void {
    // Check everything before assigning anything: a refused state leaves the fresh trainer intact.
    if (state.epoch > this.totalEpochs) throw new RangeError(`saved epoch ${state.epoch} is past the ${this.totalEpochs} epochs`);
    for (const spec of parameterSpecs(this.arch)) {
      const p = this.params.get(spec.name) as tf.Variable;
      for (const [what, map] of [
        ['parameter', state.params],
        ['Adam m of', state.adam.m],
        ['Adam v of', state.adam.v],
      ] as const) {
        if (map.get(spec.name)?.length !== p.size)
          throw new RangeError(`saved ${what} ${spec.name} is missing or has the wrong size`);
      }
    }
    for (const spec of parameterSpecs(this.arch)) {
      const p = this.params.get(spec.name) as tf.Variable;
      const values = state.params.get(spec.name) as Float32Array;
      tf.tidy(() => p.assign(tf.tensor(values, p.shape, 'float32')));
    }
    this.adam.load(state.adam);
    this.rng = new Rng(state.rng);
    this.completed = state.epoch;
    this.log.splice(0, this.log.length, ...state.history.map((m) => ({ ...m })));
  }

  dispose(): void {
    for (const p of this.params.values()) p.dispose();
    this.params.clear();
    this.adam.dispose();
  }
}
