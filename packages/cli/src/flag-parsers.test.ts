import { ValidationError } from '@iwae-sweep/core';
import { describe, expect, it } from 'vitest';
import { parseBackendFlag, parseChoiceFlag, parseDurationFlag, parseNumberFlag } from './flag-parsers.ts';

function problem(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.problems;
    throw err;
  }
  throw new Error('accepted');
}

describe('flag parsers', () => {
  it('numbers: the whole text must be one, within what the flag allows', () => {
    expect(parseNumberFlag('--lr', '1e-3')).toBe(0.001);
    expect(parseNumberFlag('--k', ' 50 ', { integer: true, min: 1 })).toBe(50);
    expect(problem(() => parseNumberFlag('--k', '12abc', { integer: true }))).toEqual([
      { field: '--k', value: '12abc', expected: 'an integer' },
    ]);
    expect(problem(() => parseNumberFlag('--k', '2.5', { integer: true, min: 1 }))).toEqual([
      { field: '--k', value: '2.5', expected: 'an integer ≥ 1' },
    ]);
    expect(problem(() => parseNumberFlag('--limit', '1e400'))).toEqual([
      { field: '--limit', value: '1e400', expected: 'a number' },
    ]);
  });

  it('durations: a bare number is seconds; units ms, s, m, h; more than 0 and at most a day', () => {
    expect(parseDurationFlag('--timeout', '30')).toBe(30_000);
    expect(parseDurationFlag('--timeout', '500ms')).toBe(500);
    expect(parseDurationFlag('--timeout', '1.5m')).toBe(90_000);
    expect(parseDurationFlag('--timeout', '24h')).toBe(86_400_000);
    for (const bad of ['0', '25h', 'fancy', '-1s'])
      expect(problem(() => parseDurationFlag('--timeout', bad))).toEqual([
        { field: '--timeout', value: bad, expected: 'a duration such as 30s, 500ms or 2m (up to 24h)' },
      ]);
  });

  it('choices: one of the list, else the list', () => {
    expect(parseChoiceFlag('--progress', 'bars', ['auto', 'bars', 'lines'])).toBe('bars');
    expect(problem(() => parseChoiceFlag('--progress', 'fancy', ['auto', 'bars', 'lines']))).toEqual([
      { field: '--progress', value: 'fancy', expected: 'one of auto, bars, lines' },
    ]);
    expect(parseBackendFlag('wasm')).toBe('wasm');
    expect(problem(() => parseBackendFlag('gpu'))).toEqual([
      { field: '--backend', value: 'gpu', expected: expect.stringMatching(/^one of auto, wasm, /) },
    ]);
  });
});
