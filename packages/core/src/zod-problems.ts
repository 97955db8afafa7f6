import type { z } from 'zod';
import { unknownNameExpected } from './did-you-mean.ts';
import type { FieldProblem } from './errors.ts';

/** Renders a zod issue path as `a.b[2].c`. */
export function formatPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

function getAt(value: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let cur: unknown = value;
  for (const part of path) {
    // Own properties only: a path part such as `constructor` must not reach Object.prototype.
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[part];
  }
  return cur;
}

/** What a zod issue says was expected, in words a user can act on. */
export function expectedOf(issue: z.core.$ZodIssue): string {
  if (issue.code === 'custom') return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return `${issue.expected}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return `${issue.origin === 'array' ? 'an array with length' : issue.origin === 'string' ? 'a string of length' : 'a number'} ${issue.inclusive === false ? '>' : '≥'} ${String(issue.minimum)}`;
    case 'too_big':
      return `${issue.origin === 'array' ? 'an array with length' : issue.origin === 'string' ? 'a string of length' : 'a number'} ${issue.inclusive === false ? '<' : '≤'} ${String(issue.maximum)}`;
    case 'unrecognized_keys':
      return `no unknown keys (unknown: ${issue.keys.join(', ')})`;
    case 'invalid_format':
      // A custom message (set where the schema is defined) says it best.
      if (!issue.message.startsWith('Invalid')) return issue.message;
      return issue.format === 'regex' && 'pattern' in issue
        ? `a string matching ${String(issue.pattern)}`
        : `a string in ${issue.format} format`;
    case 'invalid_union': {
      // A discriminated union names its accepted tags (e.g. stopping.method: asha | median).
      const options = (issue as { options?: unknown[] }).options;
      return options?.length ? `one of ${options.map((v) => JSON.stringify(v)).join(', ')}` : 'a valid value for this field';
    }
    default:
      return issue.message;
  }
}

type LineOf = (path: (string | number)[]) => number | undefined;

const plain = (path: ReadonlyArray<PropertyKey>) => path.filter((p): p is string | number => typeof p !== 'symbol');

/**
 * Turns zod issues into field problems, reading the offending values from `input` and, when
 * `lineOf` is given, the source line of each field. `knownKeys` gives the names allowed at a
 * path, so that an unknown key gets a "did you mean" suggestion.
 */
export function zodProblems(
  error: z.ZodError,
  input: unknown,
  prefix = '',
  lineOf?: LineOf,
  knownKeys?: (path: ReadonlyArray<PropertyKey>) => readonly string[] | undefined,
): FieldProblem[] {
  const at = (path: ReadonlyArray<PropertyKey>) => {
    const line = lineOf?.(plain(path));
    return line === undefined ? {} : { line };
  };
  return error.issues.flatMap((issue): FieldProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      // One problem per unknown key, named by its own path: `gird`, not the whole object.
      return issue.keys.map((key) => ({
        field: formatPath([...issue.path, key], prefix),
        value: getAt(input, [...issue.path, key]),
        expected: (() => {
          const known = knownKeys?.(issue.path);
          return known ? unknownNameExpected(key, known) : 'no such field (not a known key here; check the spelling)';
        })(),
        ...at([...issue.path, key]),
      }));
    }
    const path = issue.path;
    const value = getAt(input, path);
    const expected = expectedOf(issue);
    return [{ field: formatPath(path, prefix), value, expected, ...at(path) }];
  });
}
