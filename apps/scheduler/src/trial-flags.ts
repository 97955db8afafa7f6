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

/**
 * How a flag's text becomes part of the config: a number (integer or real) or the text itself
 * for `field`; a list of integers; or a part of the learning-rate schedule (built from
 * --schedule, --epochs and --stages together).
 */
type Parse = 'int' | 'real' | 'text' | 'int-list' | 'schedule';

interface TrialFlag {
  flag: `--${string}`;
  arg: `<${string}>`;
  /** Commander's name for the value (camelCase of the flag). */
  key: string;
  /** The trial-config field it sets, so schema errors name the flag the user typed. */
  field?: keyof TrialConfig;
  parse: Parse;
  description: string;
  default?: string;
}

/** The flags that define one trial, in the order `--help` lists them. */
const TRIAL_FLAGS = [
  {
    flag: '--objective',
    arg: '<name>',
    key: 'objective',
    field: 'objective',
    parse: 'text',
    description: `training objective: ${OBJECTIVES.join(', ')}`,
    default: 'iwae',
  },
  {
    flag: '--m',
    arg: '<n>',
    key: 'm',
    field: 'm',
    parse: 'int',
    description: 'miwae/piwae: groups of K samples (m·K samples per data point)',
  },
  {
    flag: '--beta',
    arg: '<x>',
    key: 'beta',
    field: 'beta',
    parse: 'real',
    description: 'ciwae: weight of the ELBO in β·ELBO + (1−β)·IWAE',
  },
  {
    flag: '--k',
    arg: '<n>',
    key: 'k',
    field: 'k',
    parse: 'int',
    description: 'importance samples per data point during training',
    default: '50',
  },
  {
    flag: '--layers',
    arg: '<n>',
    key: 'layers',
    field: 'layers',
    parse: 'int',
    description: 'stochastic layers: 1 or 2',
    default: '1',
  },
  {
    flag: '--latent',
    arg: '<n>',
    key: 'latent',
    field: 'latent',
    parse: 'int',
    description: 'size of the top latent layer',
    default: '50',
  },
  {
    flag: '--latent1',
    arg: '<n>',
    key: 'latent1',
    field: 'latent1',
    parse: 'int',
    description: 'size of z1 in the 2-layer model',
    default: '100',
  },
  {
    flag: '--hidden',
    arg: '<n>',
    key: 'hidden',
    field: 'hidden',
    parse: 'int',
    description: 'width of the hidden layers next to the data',
    default: '200',
  },
  {
    flag: '--hidden2',
    arg: '<n>',
    key: 'hidden2',
    field: 'hidden2',
    parse: 'int',
    description: 'width of the hidden layers between z1 and z2',
    default: '100',
  },
  {
    flag: '--epochs',
    arg: '<n>',
    key: 'epochs',
    field: 'schedule',
    parse: 'schedule',
    description: 'passes over the training set (constant learning rate)',
    default: '10',
  },
  {
    flag: '--schedule',
    arg: '<name>',
    key: 'schedule',
    parse: 'schedule',
    description: 'learning-rate schedule: constant (uses --epochs) or paper (3^i passes at lr·10^(−i/7))',
    default: 'constant',
  },
  {
    flag: '--stages',
    arg: '<n>',
    key: 'stages',
    parse: 'schedule',
    description: 'stages of the paper schedule (8 in the paper)',
    default: '8',
  },
  {
    flag: '--batch-size',
    arg: '<n>',
    key: 'batchSize',
    field: 'batchSize',
    parse: 'int',
    description: 'examples per training batch',
    default: '20',
  },
  {
    flag: '--lr',
    arg: '<x>',
    key: 'lr',
    field: 'learningRate',
    parse: 'real',
    description: 'learning rate (of the first stage)',
    default: '0.001',
  },
  {
    flag: '--train-size',
    arg: '<n>',
    key: 'trainSize',
    field: 'trainSize',
    parse: 'int',
    description: 'training images (first N of the 60k)',
    default: '60000',
  },
  {
    flag: '--test-size',
    arg: '<n>',
    key: 'testSize',
    field: 'testSize',
    parse: 'int',
    description: 'test images (first N of the 10k)',
    default: '10000',
  },
  {
    flag: '--eval-k',
    arg: '<n>',
    key: 'evalK',
    field: 'evalK',
    parse: 'int',
    description: 'samples per test image for the final bound (NLL = −L_evalK)',
    default: '5000',
  },
  {
    flag: '--eval-ks',
    arg: '<list>',
    key: 'evalKs',
    field: 'evalKs',
    parse: 'int-list',
    description: 'extra K values whose test bound to report, e.g. 1,5,50',
    default: '',
  },
  {
    flag: '--active-unit-images',
    arg: '<n>',
    key: 'activeUnitImages',
    field: 'activeUnitImages',
    parse: 'int',
    description: 'test images used to count active units',
    default: '1000',
  },
  {
    flag: '--seed',
    arg: '<n>',
    key: 'seed',
    field: 'seed',
    parse: 'int',
    description: 'seed of every random draw in the trial',
    default: '0',
  },
  {
    flag: '--grad-snr',
    arg: '<R>',
    key: 'gradSnr',
    field: 'gradSnr',
    parse: 'int',
    description: 'gradient SNR diagnostic: R gradient draws on one fixed batch after training',
  },
  {
    flag: '--grad-snr-every',
    arg: '<n>',
    key: 'gradSnrEvery',
    field: 'gradSnrEvery',
    parse: 'int',
    description: 'also run the gradient SNR diagnostic every n epochs',
  },
] as const satisfies readonly TrialFlag[];

type Entry = (typeof TRIAL_FLAGS)[number];

/** Trial-config field → the flag that sets it. */
const FLAG_OF = new Map<string, string>(TRIAL_FLAGS.flatMap((f) => ('field' in f ? [[f.field, f.flag] as const] : [])));

/** The values commander hands over: a string for each flag, undefined for one without a default not given. */
export type TrialFlagValues = {
  [E in Entry as E['key']]: E extends { default: string } ? string : string | undefined;
};

/** Adds the flags that define one trial to a command. */
export function addTrialFlags(cmd: Command): Command {
  for (const f of TRIAL_FLAGS) cmd.option(`${f.flag} ${f.arg}`, f.description, 'default' in f ? f.default : undefined);
  return cmd;
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
  const input: Record<string, unknown> = {};
  for (const f of TRIAL_FLAGS) {
    const value = v[f.key];
    if (value === undefined || !('field' in f)) continue;
    if (f.parse === 'text') input[f.field] = value;
    else if (f.parse === 'int' || f.parse === 'real') input[f.field] = num(f.flag, value, f.parse === 'int');
    else if (f.parse === 'int-list')
      input[f.field] =
        value.trim() === '' ? [] : value.split(',').map((part, i) => num(`${f.flag}[${i}]`, part.trim()) ?? Number.NaN);
  }
  input.schedule =
    v.schedule === 'paper'
      ? { type: 'paper', stages: num('--stages', v.stages) }
      : { type: 'constant', epochs: num('--epochs', v.epochs) };
  const parsed = trialConfigSchema.safeParse(expandShorthands(input));
  if (!parsed.success) {
    const reported = new Set(problems.map((p) => p.field.replace(/\[\d+\]$/, '')));
    for (const [i, p] of zodProblems(parsed.error, input).entries()) {
      const path = parsed.error.issues[i]?.path ?? [];
      const head = String(path[0] ?? '');
      const flag = head === 'schedule' && v.schedule === 'paper' ? '--stages' : (FLAG_OF.get(head) ?? p.field);
      // A flag that failed to parse as a number is reported once, by the parse.
      if (reported.has(flag)) continue;
      problems.push({ ...p, field: head === 'evalKs' && path.length > 1 ? `--eval-ks[${String(path[1])}]` : flag });
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ValidationError('command-line flags', problems);
  return normalizeTrialConfig(parsed.data);
}
