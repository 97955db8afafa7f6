import { parseNumberFlag } from '@iwae-sweep/cli';
import {
  expandShorthands,
  type FieldProblem,
  normalizeTrialConfig,
  OBJECTIVES,
  type TrialConfig,
  trialConfigSchema,
  ValidationError,
  zodProblems,
} from '@iwae-sweep/core';
import type { Command } from 'commander';

/** Trial-config field → the flag that sets it, so schema errors name what the user typed. */
const FLAG_OF: Record<string, string> = {
  objective: '--objective',
  k: '--k',
  layers: '--layers',
  latent: '--latent',
  latent1: '--latent1',
  hidden: '--hidden',
  hidden2: '--hidden2',
  batchSize: '--batch-size',
  learningRate: '--lr',
  schedule: '--epochs',
  trainSize: '--train-size',
  testSize: '--test-size',
  evalK: '--eval-k',
  evalKs: '--eval-ks',
  activeUnitImages: '--active-unit-images',
  seed: '--seed',
  m: '--m',
  beta: '--beta',
  gradSnr: '--grad-snr',
  gradSnrEvery: '--grad-snr-every',
};

/** Adds the flags that define one trial to a command. */
export function addTrialFlags(cmd: Command): Command {
  return cmd
    .option('--objective <name>', `training objective: ${OBJECTIVES.join(', ')}`, 'iwae')
    .option('--m <n>', 'miwae/piwae: groups of K samples (m·K samples per data point)')
    .option('--beta <x>', 'ciwae: weight of the ELBO in β·ELBO + (1−β)·IWAE')
    .option('--k <n>', 'importance samples per data point during training', '50')
    .option('--layers <n>', 'stochastic layers: 1 or 2', '1')
    .option('--latent <n>', 'size of the top latent layer', '50')
    .option('--latent1 <n>', 'size of z1 in the 2-layer model', '100')
    .option('--hidden <n>', 'width of the hidden layers next to the data', '200')
    .option('--hidden2 <n>', 'width of the hidden layers between z1 and z2', '100')
    .option('--epochs <n>', 'passes over the training set (constant learning rate)', '10')
    .option(
      '--schedule <name>',
      'learning-rate schedule: constant (uses --epochs) or paper (3^i passes at lr·10^(−i/7))',
      'constant',
    )
    .option('--stages <n>', 'stages of the paper schedule (8 in the paper)', '8')
    .option('--batch-size <n>', 'examples per training batch', '20')
    .option('--lr <x>', 'learning rate (of the first stage)', '0.001')
    .option('--train-size <n>', 'training images (first N of the 60k)', '60000')
    .option('--test-size <n>', 'test images (first N of the 10k)', '10000')
    .option('--eval-k <n>', 'samples per test image for the final bound (NLL = −L_evalK)', '5000')
    .option('--eval-ks <list>', 'extra K values whose test bound to report, e.g. 1,5,50', '')
    .option('--active-unit-images <n>', 'test images used to count active units', '1000')
    .option('--seed <n>', 'seed of every random draw in the trial', '0')
    .option('--grad-snr <R>', 'gradient SNR diagnostic: R gradient draws on one fixed batch after training')
    .option('--grad-snr-every <n>', 'also run the gradient SNR diagnostic every n epochs');
}

export interface TrialFlagValues {
  objective: string;
  k: string;
  layers: string;
  latent: string;
  latent1: string;
  hidden: string;
  hidden2: string;
  epochs: string;
  schedule: string;
  stages: string;
  batchSize: string;
  lr: string;
  trainSize: string;
  testSize: string;
  evalK: string;
  evalKs: string;
  activeUnitImages: string;
  seed: string;
  m?: string;
  beta?: string;
  gradSnr?: string;
  gradSnrEvery?: string;
}

/** Turns trial flags into a normalised config; every problem is reported at once, by flag. */
export function trialConfigFromFlags(v: TrialFlagValues): TrialConfig {
  const problems: FieldProblem[] = [];
  const num = (flag: string, value: string, integer = true): number | undefined => {
    try {
      return parseNumberFlag(flag, value, { integer });
    } catch (err) {
      if (err instanceof ValidationError) problems.push(...err.problems);
      else throw err;
      return undefined;
    }
  };
  if (v.schedule !== 'constant' && v.schedule !== 'paper') {
    problems.push({ field: '--schedule', value: v.schedule, expected: 'constant or paper' });
  }
  const evalKs =
    v.evalKs.trim() === '' ? [] : v.evalKs.split(',').map((part, i) => num(`--eval-ks[${i}]`, part.trim()) ?? Number.NaN);
  const input = {
    objective: v.objective,
    k: num('--k', v.k),
    layers: num('--layers', v.layers),
    latent: num('--latent', v.latent),
    latent1: num('--latent1', v.latent1),
    hidden: num('--hidden', v.hidden),
    hidden2: num('--hidden2', v.hidden2),
    batchSize: num('--batch-size', v.batchSize),
    learningRate: num('--lr', v.lr, false),
    schedule:
      v.schedule === 'paper'
        ? { type: 'paper', stages: num('--stages', v.stages) }
        : { type: 'constant', epochs: num('--epochs', v.epochs) },
    trainSize: num('--train-size', v.trainSize),
    testSize: num('--test-size', v.testSize),
    evalK: num('--eval-k', v.evalK),
    evalKs,
    activeUnitImages: num('--active-unit-images', v.activeUnitImages),
    seed: num('--seed', v.seed),
    ...(v.m === undefined ? {} : { m: num('--m', v.m) }),
    ...(v.beta === undefined ? {} : { beta: num('--beta', v.beta, false) }),
    ...(v.gradSnr === undefined ? {} : { gradSnr: num('--grad-snr', v.gradSnr) }),
    ...(v.gradSnrEvery === undefined ? {} : { gradSnrEvery: num('--grad-snr-every', v.gradSnrEvery) }),
  };
  const parsed = trialConfigSchema.safeParse(expandShorthands(input));
  if (!parsed.success) {
    const reported = new Set(problems.map((p) => p.field.replace(/\[\d+\]$/, '')));
    for (const [i, p] of zodProblems(parsed.error, input).entries()) {
      const path = parsed.error.issues[i]?.path ?? [];
      const head = String(path[0] ?? '');
      const flag = head === 'schedule' && v.schedule === 'paper' ? '--stages' : (FLAG_OF[head] ?? p.field);
      // A flag that failed to parse as a number is reported once, by the parse.
      if (reported.has(flag)) continue;
      problems.push({ ...p, field: head === 'evalKs' && path.length > 1 ? `--eval-ks[${String(path[1])}]` : flag });
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ValidationError('command-line flags', problems);
  return normalizeTrialConfig(parsed.data);
}
