import { MNIST_TRAIN_SIZE, type TrialConfig } from '@iwae-sweep/core';
import { evaluateBound } from './evaluate.ts';
import type { ImageSet } from './mnist.ts';
import type { IwaeTrainer } from './trainer.ts';

/**
 * The held-out validation images of a trial: the last `validationSize` images of the training
 * split (as the paper's authors hold out the last 400), never the test set, never the first
 * `trainSize` images that it trains on. Undefined when validationSize is 0.
 */
export function validationImages(config: TrialConfig, trainSplit: ImageSet): ImageSet | undefined {
  const n = config.validationSize;
  if (n === 0) return undefined;
  if (trainSplit.n !== MNIST_TRAIN_SIZE || config.trainSize + n > trainSplit.n) {
    throw new RangeError(
      `validationSize ${n} with trainSize ${config.trainSize} needs the whole ${MNIST_TRAIN_SIZE}-image training split (got ${trainSplit.n})`,
    );
  }
  const from = (trainSplit.n - n) * trainSplit.pixels;
  return { n, pixels: trainSplit.pixels, images: trainSplit.images.subarray(from) };
}

/**
 * The validation bound: mean L_validationK over the held-out images, the same k for every trial
 * of a sweep, so it compares models trained with different objectives and K fairly (their
 * training bounds do not: L_1 and L_50 are bounds of different tightness). Its binarisation and
 * samples come from a stream fixed by the seed, the same at every epoch, so successive values
 * differ by what the model learnt, not by sampling noise. Used for learning curves and early
 * stopping.
 */
export async function validationBound(
  trainer: IwaeTrainer,
  images: ImageSet,
  onProgress?: (imagesDone: number, images: number) => void,
): Promise<number> {
  const { validationK, seed } = trainer.config;
  const result = await evaluateBound(trainer.ops, trainer.params, trainer.arch, images, {
    k: validationK,
    seed,
    stream: 'validation',
    ...(onProgress ? { onProgress } : {}),
  });
  return result.bound;
}
