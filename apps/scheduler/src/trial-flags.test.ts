import { ValidationError } from '@iwae-sweep/core';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addTrialFlags, type TrialFlagValues, trialConfigFromFlags } from './trial-flags.ts';

function parse(argv: string[]): Command {
  const cmd = addTrialFlags(new Command('train').exitOverride());
  cmd.parse(argv, { from: 'user' });
  return cmd;
}

const config = (argv: string[]) => trialConfigFromFlags(parse(argv).opts() as TrialFlagValues);

function problems(argv: string[]): unknown[] {
  try {
    config(argv);
  } catch (err) {
    if (err instanceof ValidationError) return err.problems;
    throw err;
  }
  throw new Error(`accepted: ${argv.join(' ')}`);
}

describe('trial flags', () => {
  it('are listed once each, in the order --help shows them, with their defaults', () => {
    expect(parse([]).options.map((o) => [o.long, o.defaultValue])).toEqual([
      ['--objective', 'iwae'],
      ['--m', undefined],
      ['--beta', undefined],
      ['--k', '50'],
      ['--layers', '1'],
      ['--latent', '50'],
      ['--latent1', '100'],
      ['--hidden', '200'],
      ['--hidden2', '100'],
      ['--epochs', '10'],
      ['--schedule', 'constant'],
      ['--stages', '8'],
      ['--batch-size', '20'],
      ['--lr', '0.001'],
      ['--train-size', '60000'],
      ['--test-size', '10000'],
      ['--eval-k', '5000'],
      ['--eval-ks', ''],
      ['--active-unit-images', '1000'],
      ['--seed', '0'],
      ['--grad-snr', undefined],
      ['--grad-snr-every', undefined],
    ]);
  });

  it('with no flags give the paper-sized default trial', () => {
    expect(config([])).toEqual({
      dataset: 'mnist',
      objective: 'iwae',
      k: 50,
      layers: 1,
      latent: 50,
      latent1: 100,
      hidden: 200,
      hidden2: 100,
      batchSize: 20,
      learningRate: 0.001,
      schedule: { type: 'constant', epochs: 10 },
      trainSize: 60000,
      testSize: 10000,
      evalK: 5000,
      evalKs: [],
      activeUnitImages: 1000,
      validationSize: 0,
      validationK: 100,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 0.0001,
      lossReduction: 'mean',
      seed: 0,
    });
  });

  it('set every field they name, the paper schedule from --schedule and --stages', () => {
    const c = config(
      ['--objective', 'miwae', '--m', '3', '--k', '5', '--schedule', 'paper', '--stages', '3'].concat([
        '--eval-ks',
        '1,5',
        '--grad-snr',
        '10',
        '--grad-snr-every',
        '2',
        '--lr',
        '0.01',
      ]),
    );
    expect(c).toMatchObject({
      objective: 'miwae',
      m: 3,
      k: 5,
      schedule: { type: 'paper', stages: 3 },
      evalKs: [1, 5],
      gradSnr: 10,
      gradSnrEvery: 2,
      learningRate: 0.01,
    });
  });

  it('report every bad value at once, each by the flag the user typed', () => {
    const found = problems(['--k', '0', '--lr', 'abc', '--eval-ks', '1,x', '--schedule', 'nope', '--layers', '3']);
    expect(found).toHaveLength(5);
    expect(found).toEqual(
      expect.arrayContaining([
        { field: '--schedule', value: 'nope', expected: 'constant or paper' },
        { field: '--eval-ks[1]', value: 'x', expected: 'an integer' },
        { field: '--lr', value: 'abc', expected: 'a number' },
        { field: '--k', value: 0, expected: 'a number ≥ 1' },
        { field: '--layers', value: 3, expected: 'one of 1, 2' },
      ]),
    );
  });

  it('name --stages, not --epochs, for a bad paper schedule', () => {
    expect(problems(['--schedule', 'paper', '--stages', '0', '--objective', 'nope'])).toEqual([
      {
        field: '--objective',
        value: 'nope',
        expected: 'one of "vae", "iwae", "iwae-stl", "iwae-dreg", "miwae", "ciwae", "piwae"',
      },
      { field: '--stages', value: 0, expected: 'a number ≥ 1' },
    ]);
  });
});
