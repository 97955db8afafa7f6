import type { z } from 'zod';
import { unknownNameExpected } from './did-you-mean.ts';
import type { FieldProblem } from './errors.ts';
import { expandShorthands, TRIAL_CONFIG_FIELDS, trialConfigSchema } from './trial-config.ts';
import { expectedOf, formatPath } from './zod-problems.ts';

type Path = (string | number)[];
type LineOf = (path: Path) => number | undefined;

/** Fields a sweep may set: every trial-config field but the seed, plus the `epochs` shorthand. */
export const SETTABLE_FIELDS: readonly string[] = [...TRIAL_CONFIG_FIELDS.filter((f) => f !== 'seed'), 'epochs'].sort();
const SETTABLE = new Set(SETTABLE_FIELDS);
/** Trial fields without a default: every trial needs them from base, grid or random.params. */
const REQUIRED = ['objective', 'k'];

const record = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * Checks the trial fields a raw (unparsed) spec sets, so that they are reported in the same pass
 * as the spec's own structure: unknown names (with a suggestion), values each field's schema
 * refuses, and required fields set nowhere. Cross-field rules need whole trials: expansion checks them.
 */
export function trialFieldProblems(raw: Record<string, unknown>, lineOf: LineOf): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  const sections: [Path, Record<string, unknown> | undefined, 'value' | 'list' | 'distribution'][] = [
    [['base'], record(raw.base), 'value'],
    [['grid'], record(raw.grid), 'list'],
    [['random', 'params'], record(record(raw.random)?.params), 'distribution'],
  ];
  for (const [at, fields, kind] of sections) {
    for (const field of Object.keys(fields ?? {})) {
      const path = [...at, field];
      seen.add(field);
      if (!SETTABLE.has(field)) {
        const hint = field === 'seed' ? ' (seeds go in `seeds`)' : '';
        problems.push({
          field: formatPath(path),
          value: field,
          expected: unknownNameExpected(field, SETTABLE_FIELDS) + hint,
          line: lineOf(path),
        });
        continue;
      }
      const value = fields?.[field];
      if (kind === 'value') problems.push(...valueProblems(field, value, path, lineOf));
      if (kind === 'list' && Array.isArray(value)) {
        for (const [i, v] of value.entries()) problems.push(...valueProblems(field, v, [...path, i], lineOf));
      }
    }
  }
  for (const field of REQUIRED) {
    if (!seen.has(field)) {
      problems.push({
        field,
        value: undefined,
        expected: `a value for every trial (set \`${field}\` in base, grid or random.params)`,
      });
    }
  }
  return problems;
}

function valueProblems(field: string, value: unknown, path: Path, lineOf: LineOf): FieldProblem[] {
  const input = expandShorthands({ [field]: value }) as Record<string, unknown>;
  const key = field === 'epochs' ? 'schedule' : field;
  const schema = (trialConfigSchema.shape as Record<string, z.ZodType>)[key];
  const parsed = schema?.safeParse(input[key]);
  if (!parsed || parsed.success) return [];
  // One problem per value: the first issue says what was expected.
  const issue = parsed.error.issues[0];
  const expected = field === 'epochs' ? 'a whole number of epochs ≥ 1' : issue ? expectedOf(issue) : 'a valid value';
  const rest = field === 'epochs' ? [] : (issue?.path ?? []).filter((p): p is string | number => typeof p !== 'symbol');
  let shown: unknown = value;
  for (const part of rest) shown = (shown as Record<string | number, unknown> | undefined)?.[part];
  const full = [...path, ...rest];
  return [{ field: formatPath(full), value: shown, expected, line: lineOf(full) }];
}

/** Every key named `__proto__`, anywhere: JavaScript objects would drop it silently. */
export function prototypeKeyProblems(value: unknown, lineOf: LineOf, path: Path = []): FieldProblem[] {
  if (value === null || typeof value !== 'object') return [];
  const out: FieldProblem[] = [];
  for (const key of Object.keys(value)) {
    const child = [...path, Array.isArray(value) ? Number(key) : key];
    if (key === '__proto__')
      out.push({ field: formatPath(child), value: key, expected: 'no such field (a reserved name)', line: lineOf(child) });
    else out.push(...prototypeKeyProblems((value as Record<string, unknown>)[key], lineOf, child));
  }
  return out;
}
