import { ValidationError } from '@iwae-sweep/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_STALL_TIMEOUT_MS } from './stall-watchdog.ts';
import { parseStallTimeout } from './worker-command.ts';

describe('--stall-timeout', () => {
  it('reads like every duration flag: a bare number is seconds', () => {
    expect(parseStallTimeout('7200')).toBe(DEFAULT_STALL_TIMEOUT_MS);
    expect(parseStallTimeout('2h')).toBe(DEFAULT_STALL_TIMEOUT_MS);
    expect(parseStallTimeout('8000ms')).toBe(8000);
    expect(parseStallTimeout('30s')).toBe(30_000);
  });

  it('0 turns the watchdog off', () => {
    expect(parseStallTimeout('0')).toBe(0);
  });

  it('refuses anything else, naming the flag and the value', () => {
    for (const bad of ['-1', '2x', '', 'forever']) {
      expect(() => parseStallTimeout(bad)).toThrow(ValidationError);
      expect(() => parseStallTimeout(bad)).toThrow(/--stall-timeout/);
    }
  });
});
