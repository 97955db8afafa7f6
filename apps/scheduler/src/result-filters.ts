/**
 * The text grammar of results filters, `--where k>=5 and objective=iwae` and `--sort -testNll,k`:
 * the `results` command's flags and the dashboard's trial-table query. Input from a person,
 * checked strictly here; the DB takes the parsed conditions and checks them against its column
 * whitelist again.
 */
import { ValidationError } from '@iwae-sweep/core';
import { type Condition, FILTER_OPS, RESULT_COLUMNS, type ResultColumn, type SortKey } from '@iwae-sweep/db';

const COLUMN_NAMES = Object.keys(RESULT_COLUMNS).join(', ');
/** The `--where` grammar: column op value, nothing else (this is CLI input, checked strictly). */
const CONDITION = /^([A-Za-z][A-Za-z0-9_]*)\s*(<=|>=|!=|=|<|>)\s*(.*)$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const QUOTED = /^'[^']*'$|^"[^"]*"$/;
const BARE = /^[^\s'"=<>!]+$/;

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
      const m = CONDITION.exec(text);
      if (!m) {
        problems.push({ field: '--where', value: text, expected: `column<op>value with op one of ${FILTER_OPS.join(' ')}` });
        continue;
      }
      const [, column = '', op = '=', raw = ''] = m;
      // Own properties only: `constructor` or `hasOwnProperty` are not columns.
      if (!Object.hasOwn(RESULT_COLUMNS, column)) {
        problems.push({ field: '--where', value: column, expected: `a column: ${COLUMN_NAMES}` });
        continue;
      }
      if (raw === '') {
        problems.push({ field: '--where', value: text, expected: 'a value after the operator' });
        continue;
      }
      // `k==1`, `k<>1`, `k=<1` leave an operator character in the value: not in the grammar.
      const value = NUMBER.test(raw) ? Number(raw) : QUOTED.test(raw) ? raw.slice(1, -1) : BARE.test(raw) ? raw : undefined;
      if (value === undefined) {
        problems.push({
          field: '--where',
          value: text,
          expected: `column<op>value with op one of ${FILTER_OPS.join(' ')} and a number, a word or a quoted string as the value`,
        });
        continue;
      }
      out.push({ column: column as ResultColumn, op: op as Condition['op'], value });
    }
  }
  if (problems.length > 0) throw new ValidationError('results filter', problems);
  return out;
}

/** Parses `--sort testNll,-k` (a leading "-" sorts descending). */
export function parseSort(expr: string | undefined): SortKey[] {
  if (!expr) return [];
  return expr.split(',').map((part) => {
    const text = part.trim();
    const descending = text.startsWith('-');
    const column = descending ? text.slice(1) : text;
    if (!Object.hasOwn(RESULT_COLUMNS, column)) {
      throw new ValidationError('results sort', [{ field: '--sort', value: column, expected: `a column: ${COLUMN_NAMES}` }]);
    }
    return { column: column as ResultColumn, descending };
  });
}
