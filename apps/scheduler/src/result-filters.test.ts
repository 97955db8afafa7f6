import { describe, expect, it } from 'vitest';
import { parseSort, parseWhere } from './result-filters.ts';

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
    expect(() => parseWhere(['k==1'])).toThrow(/--where: got "k==1", expected column<op>value/);
    expect(() => parseWhere(['k>='])).toThrow(/--where: got "k>=", expected a value after the operator/);
    expect(() => parseWhere(['nope=3'])).toThrow(/--where: got "nope", expected a column/);
    expect(() => parseWhere(['constructor=1'])).toThrow(/--where: got "constructor", expected a column/);
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
    expect(() => parseSort('-bogus')).toThrow(/--sort: got "bogus", expected a column/);
    expect(() => parseSort('hasOwnProperty')).toThrow(/--sort: got "hasOwnProperty"/);
  });
});
