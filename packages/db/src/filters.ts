import { ValidationError } from '@iwae-sweep/core';
import { RESULT_COLUMNS, type ResultColumn } from './result-columns.ts';

export { RESULT_COLUMNS, type ResultColumn } from './result-columns.ts';

/**
 * The comparisons a results query takes. The DB accepts only whitelisted columns
 * (RESULT_COLUMNS); the text grammar that produces these (`--where k>=5`, `--sort -testNll`) is
 * the CLI's and the dashboard's (apps/scheduler/src/result-filters.ts).
 */
export const FILTER_OPS = ['<=', '>=', '!=', '=', '<', '>'] as const;

export interface Condition {
  column: ResultColumn;
  op: (typeof FILTER_OPS)[number];
  value: string | number;
}

export interface SortKey {
  column: ResultColumn;
  descending: boolean;
}

/**
 * The SQL of a results column, refusing anything the whitelist lacks (own keys only:
 * `constructor` is not a column): the only text of a query that does not travel as a parameter.
 */
export function resultColumnSql(column: string): string {
  if (!Object.hasOwn(RESULT_COLUMNS, column))
    throw new ValidationError('results query', [{ field: 'column', value: column, expected: 'a results column' }]);
  return RESULT_COLUMNS[column] as string;
}

/** A condition's SQL (its value a parameter); an operator outside FILTER_OPS is refused. */
export function conditionSql(c: Condition): string {
  if (!(FILTER_OPS as readonly string[]).includes(c.op))
    throw new ValidationError('results query', [{ field: 'op', value: c.op, expected: `one of ${FILTER_OPS.join(' ')}` }]);
  return `${resultColumnSql(c.column)} ${c.op === '!=' ? 'is not' : c.op === '=' ? 'is' : c.op} ?`;
}
