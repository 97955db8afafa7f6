import { Rng, type TrialConfig } from '@iwae-sweep/core';
import { binarizeRows } from './binarize.ts';
import { type GradientSnr, gradientSnr } from './grad-snr.ts';
import type { ImageSet } from './mnist.ts';
import { objectiveSpecOf } from './objectives.ts';
import type { IwaeTrainer } from './trainer.ts';

/** Whether the trial's gradient-SNR check runs after this (1-based) epoch: every gradSnrEvery epochs and at the end. */
export function snrDue(config: TrialConfig, epoch: number, totalEpochs: number): boolean {
  if (config.gradSnr === undefined) return false;
  return epoch === totalEpochs || (config.gradSnrEvery !== undefined && epoch % config.gradSnrEvery === 0);
}

/**
 * The trial's gradient-SNR check at the trainer's current weights: `gradSnr` gradient draws of
 * its objective on one fixed batch (the first batchSize training images, binarised once). Its
 * randomness comes from streams of its own, so checking never changes what training computes.
 */
export function trialGradientSnr(trainer: IwaeTrainer, train: ImageSet, onDraw?: () => void): GradientSnr {
  const { config } = trainer;
  if (config.gradSnr === undefined) throw new RangeError('the trial has no gradSnr');
  const b = Math.min(config.batchSize, train.n);
  const rows = Int32Array.from({ length: b }, (_, i) => i);
  const x = binarizeRows(
    train.images,
    train.pixels,
    rows,
    Rng.fromSeed(config.seed, 'grad-snr-batch'),
    new Float32Array(b * train.pixels),
  );
  return gradientSnr(objectiveSpecOf(config), {
    ops: trainer.ops,
    params: trainer.params,
    arch: trainer.arch,
    x,
    draws: config.gradSnr,
    rng: Rng.fromSeed(config.seed, `grad-snr-${trainer.epoch}`),
    ...(onDraw ? { onDraw } : {}),
  });
}
