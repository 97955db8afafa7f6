import { ValidationError } from '@iwae-sweep/core';
import { describe, expect, it } from 'vitest';
import { parseBackendFlag, parseChoiceFlag, parseDurationFlag, parseNumberFlag } from './flag-parsers.ts';

/** Expects `fn` to refuse its input with exactly these problems (field, value, expected). */
const refuses = (fn: () => unknown, problems: unknown[]) =>
  expect(fn).toThrow(expect.objectContaining({ name: ValidationError.name, problems }));

describe('flag parsers', () => {
  it('numbers: the whole text must be one, within what the flag allows', () => {
    expect(parseNumberFlag('--lr', '1e-3')).toBe(0.001);
    expect(parseNumberFlag('--k', ' 50 ', { integer: true, min: 1 })).toBe(50);
    refuses(() => parseNumberFlag('--k', '12abc', { integer: true }), [{ field: '--k', value: '12abc', expected: 'an integer' }]);
    refuses(
      () => parseNumberFlag('--k', '2.5', { integer: true, min: 1 }),
      [{ field: '--k', value: '2.5', expected: 'an integer ≥ 1' }],
    );
    refuses(() => parseNumberFlag('--limit', '1e400'), [{ field: '--limit', value: '1e400', expected: 'a number' }]);
  });

  it('durations: a bare number is seconds; units ms, s, m, h; more than 0 and at most a day', () => {
    expect(parseDurationFlag('--timeout', '30')).toBe(30_000);
    expect(parseDurationFlag('--timeout', '500ms')).toBe(500);
    expect(parseDurationFlag('--timeout', '1.5m')).toBe(90_000);
    expect(parseDurationFlag('--timeout', '24h')).toBe(86_400_000);
    for (const bad of ['0', '25h', 'fancy', '-1s'])
      refuses(
        () => parseDurationFlag('--timeout', bad),
        [{ field: '--timeout', value: bad, expected: 'a duration such as 30s, 500ms or 2m (up to 24h)' }],
      );
  });

  it('choices: one of the list, else the list', () => {
    expect(parseChoiceFlag('--progress', 'bars', ['auto', 'bars', 'lines'])).toBe('bars');
    refuses(
      () => parseChoiceFlag('--progress', 'fancy', ['auto', 'bars', 'lines']),
      [{ field: '--progress', value: 'fancy', expected: 'one of auto, bars, lines' }],
    );
    expect(parseBackendFlag('wasm')).toBe('wasm');
    refuses(
      () => parseBackendFlag('gpu'),
      [{ field: '--backend', value: 'gpu', expected: expect.stringMatching(/^one of auto, wasm, /) }],
    );
  });
});
