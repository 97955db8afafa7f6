import { MNIST_TEST_SIZE, MNIST_TRAIN_SIZE, type Objective, type TrialConfig } from '@iwae-sweep/core';

/** The objectives Table 1 compares (its columns): the report's paper table shows only these. */
export const PAPER_OBJECTIVES: readonly string[] = ['vae', 'iwae'] satisfies Objective[];

/**
 * Whether a trial reproduces the setup of Burda et al.'s Table 1, so that the paper's numbers
 * may stand next to its own. Its architecture (784-200-200-50, or …-100 then 100-100-50), batch
 * 20, learning rate 1e-3 on the 8-stage 3,280-pass schedule, all 60,000 training images (or the
 * authors' 59,600 with the last 400 held out), the 10,000 test images, test NLL = −L_5000, and
 * Adam as the paper's text gives it (β1 0.9, β2 0.999, ε 1e-4, batch mean) or as the authors'
 * released code runs it (β1 0.99, summed over the batch).
 */
export interface PaperSetupCheck {
  comparable: boolean;
  /** What differs, one entry per field: "trainSize 2000 (paper: 60000)". */
  differences: string[];
}

const REQUIRED: { field: Exclude<keyof TrialConfig, 'seed'>; paper: unknown; layers?: 2 }[] = [
  { field: 'batchSize', paper: 20 },
  { field: 'learningRate', paper: 1e-3 },
  { field: 'testSize', paper: MNIST_TEST_SIZE },
  { field: 'evalK', paper: 5000 },
  { field: 'latent', paper: 50 },
  { field: 'hidden', paper: 200 },
  { field: 'latent1', paper: 100, layers: 2 },
  { field: 'hidden2', paper: 100, layers: 2 },
  { field: 'beta2', paper: 0.999 },
  { field: 'epsilon', paper: 1e-4 },
];

/** Holdouts that keep a trial comparable: none, or the authors' last 400 training images. */
const AUTHORS_VALIDATION = 400;

export function paperSetupCheck(config: Omit<TrialConfig, 'seed'>): PaperSetupCheck {
  const differences: string[] = [];
  const s = config.schedule;
  if (s.type !== 'paper' || s.stages !== 8) {
    const what = s.type === 'paper' ? `paper schedule with ${s.stages} stages` : `${s.epochs} epochs at a constant rate`;
    differences.push(`schedule: ${what} (paper: 8 stages, 3,280 passes)`);
  }
  for (const r of REQUIRED) {
    if (r.layers && config.layers !== r.layers) continue;
    if (config[r.field] !== r.paper) differences.push(`${r.field} ${String(config[r.field])} (paper: ${String(r.paper)})`);
  }
  const trainImages = config.trainSize + config.validationSize;
  if (
    !(config.trainSize === MNIST_TRAIN_SIZE && config.validationSize === 0) &&
    !(trainImages === MNIST_TRAIN_SIZE && config.validationSize <= AUTHORS_VALIDATION)
  ) {
    differences.push(
      `trainSize ${config.trainSize}${config.validationSize ? ` + validationSize ${config.validationSize}` : ''} (paper: ${MNIST_TRAIN_SIZE}, or ${MNIST_TRAIN_SIZE - AUTHORS_VALIDATION} + ${AUTHORS_VALIDATION} held out)`,
    );
  }
  const paperText = config.beta1 === 0.9 && config.lossReduction === 'mean';
  const authorsCode = config.beta1 === 0.99 && config.lossReduction === 'sum';
  if (!paperText && !authorsCode) {
    differences.push(
      `Adam beta1 ${config.beta1} with lossReduction ${config.lossReduction} (paper: 0.9 with mean, or the authors' code: 0.99 with sum)`,
    );
  }
  if (![1, 5, 50].includes(config.k)) differences.push(`k ${config.k} (paper: 1, 5 or 50)`);
  return { comparable: differences.length === 0, differences };
}
