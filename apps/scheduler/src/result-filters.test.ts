import { ValidationError } from '@iwae-sweep/core';
import { describe, expect, it } from 'vitest';
import { parseSort, parseWhere } from './result-filters.ts';

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.message;
    throw err;
  }
  throw new Error('accepted');
}

describe('--where', () => {
  it('reads conditions joined by "and" or commas; numbers compare as numbers, quotes are stripped', () => {
    expect(parseWhere(['k>=5 and objective=iwae', "status != 'failed'", 'learningRate<0.0005,layers=2'])).toEqual([
      { column: 'k', op: '>=', value: 5 },
      { column: 'objective', op: '=', value: 'iwae' },
      { column: 'status', op: '!=', value: 'failed' },
      { column: 'learningRate', op: '<', value: 0.0005 },
      { column: 'layers', op: '=', value: 2 },
    ]);
  });

  it('refuses what is not column<op>value, naming the flag, the text and what was expected', () => {
    expect(refusal(() => parseWhere(['k==1']))).toMatch(/--where: got "k==1", expected column<op>value/);
    expect(refusal(() => parseWhere(['k>=']))).toMatch(/--where: got "k>=", expected a value after the operator/);
    expect(refusal(() => parseWhere(['nope=3']))).toMatch(/--where: got "nope", expected a column/);
    expect(refusal(() => parseWhere(['constructor=1']))).toMatch(/--where: got "constructor", expected a column/);
  });
});

describe('--sort', () => {
  it('reads columns, a leading "-" sorting descending', () => {
    expect(parseSort('testNll,-k')).toEqual([
      { column: 'testNll', descending: false },
      { column: 'k', descending: true },
    ]);
    expect(parseSort(undefined)).toEqual([]);
  });

  it('refuses a name that is not a column, own keys only', () => {
    expect(refusal(() => parseSort('-bogus'))).toMatch(/--sort: got "bogus", expected a column/);
    expect(refusal(() => parseSort('hasOwnProperty'))).toMatch(/--sort: got "hasOwnProperty"/);
  });
});
