import { BACKEND_NAMES, type BackendName, ValidationError } from '@iwae-sweep/core';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a numeric flag strictly ("12abc" is not 12), naming the flag on failure. */
export function parseNumberFlag(flag: string, value: string, opts: { integer?: boolean; min?: number } = {}): number {
  const expected = `${opts.integer ? 'an integer' : 'a number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}`;
  const n = NUMBER.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) {
    throw new ValidationError('command-line flags', [{ field: flag, value, expected }]);
  }
  return n;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** A duration flag (`30s`, `500ms`, `2m`; a bare number is seconds) in milliseconds, > 0 and at most a day. */
export function parseDurationFlag(flag: string, value: string): number {
  const m = DURATION.exec(value.trim());
  const ms = m ? Number(m[1]) * UNIT_MS[(m[2] ?? 's') as keyof typeof UNIT_MS] : Number.NaN;
  if (!(ms > 0 && ms <= 86_400_000)) {
    throw new ValidationError('command-line flags', [
      { field: flag, value, expected: 'a duration such as 30s, 500ms or 2m (up to 24h)' },
    ]);
  }
  return Math.round(ms);
}

/** An enumerated flag (`--progress bars`): anything else names the flag, the value and the choices. */
export function parseChoiceFlag<C extends string>(flag: string, value: string, choices: readonly C[]): C {
  if (!(choices as readonly string[]).includes(value)) {
    throw new ValidationError('command-line flags', [{ field: flag, value, expected: `one of ${choices.join(', ')}` }]);
  }
  return value as C;
}

export function parseBackendFlag(value: string): BackendName {
  return parseChoiceFlag('--backend', value, BACKEND_NAMES);
}
