import { ValidationError } from '@iwae-sweep/core';
import { RESULT_COLUMNS, type ResultColumn } from './result-columns.ts';

export { RESULT_COLUMNS, type ResultColumn } from './result-columns.ts';

const COLUMN_NAMES = Object.keys(RESULT_COLUMNS).join(', ');
const OPS = ['<=', '>=', '!=', '=', '<', '>'] as const;

export interface Condition {
  column: ResultColumn;
  op: (typeof OPS)[number];
  value: string | number;
}

/**
 * Parses `--where` expressions such as `k>=5`, `objective=iwae`, `layers=2 and k!=1`.
 * Values that look like numbers compare as numbers.
 */
export function parseWhere(expressions: string[]): Condition[] {
  const out: Condition[] = [];
  const problems: { field: string; value: unknown; expected: string }[] = [];
  for (const expr of expressions) {
    for (const part of expr.split(/\s+and\s+|,/i)) {
      const text = part.trim();
      if (text === '') continue;
      const op = OPS.find((o) => text.includes(o));
      if (!op) {
        problems.push({ field: '--where', value: text, expected: `column<op>value with op one of ${OPS.join(' ')}` });
        continue;
      }
      const [name, ...rest] = text.split(op);
      const column = (name ?? '').trim();
      const raw = rest.join(op).trim();
      if (!(column in RESULT_COLUMNS)) {
        problems.push({ field: '--where', value: column, expected: `a column: ${COLUMN_NAMES}` });
        continue;
      }
      if (raw === '') {
        problems.push({ field: '--where', value: text, expected: 'a value after the operator' });
        continue;
      }
      const value = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw) ? Number(raw) : raw.replace(/^['"]|['"]$/g, '');
      out.push({ column: column as ResultColumn, op, value });
    }
  }
  if (problems.length > 0) throw new ValidationError('results filter', problems);
  return out;
}

export interface SortKey {
  column: ResultColumn;
  descending: boolean;
}

/** Parses `--sort testNll,-k` (a leading "-" sorts descending). */
export function parseSort(expr: string | undefined): SortKey[] {
  if (!expr) return [];
  return expr.split(',').map((part) => {
    const text = part.trim();
    const descending = text.startsWith('-');
    const column = descending ? text.slice(1) : text;
    if (!(column in RESULT_COLUMNS)) {
      throw new ValidationError('results sort', [{ field: '--sort', value: column, expected: `a column: ${COLUMN_NAMES}` }]);
    }
    return { column: column as ResultColumn, descending };
  });
}
