import { escapeChar, terminalSafe } from '@iwae-sweep/cli';

/** Rendering of rows for the terminal (aligned text), CSV (RFC 4180) and JSON. */

export type OutputFormat = 'table' | 'csv' | 'json';
export const OUTPUT_FORMATS: OutputFormat[] = ['table', 'csv', 'json'];

export interface Column<R> {
  header: string;
  value: (row: R) => CellValue;
  /** Digits after the decimal point for numbers in the table (CSV and JSON keep full precision). */
  digits?: number;
  align?: 'left' | 'right';
}

/** A value as SQLite or the DB may hand it over (query gives BLOBs and big integers too). */
type CellValue = string | number | bigint | Uint8Array | null | undefined;

/** Characters a CSV cell must not carry raw: those `terminalSafe` escapes, but tab, newline and CR (CSV quotes them). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNSAFE_IN_CSV = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function cell(v: CellValue, digits?: number): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return digits === undefined ? String(v) : v.toFixed(digits);
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'string') return v;
  const hex = Buffer.from(v.buffer, v.byteOffset, Math.min(v.byteLength, 32)).toString('hex');
  return `x'${hex}${v.byteLength > 32 ? '…' : ''}'`;
}

export function renderTable<R>(rows: R[], columns: Column<R>[]): string {
  const cells = rows.map((r) => columns.map((c) => terminalSafe(cell(c.value(r), c.digits))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => ((columns[i]?.align ?? 'left') === 'right' ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return (
    [line(columns.map((c) => terminalSafe(c.header))), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') +
    '\n'
  );
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * A text cell for CSV: controls escaped as in the table, and a cell a spreadsheet would run as a
 * formula (leading =, +, -, @, tab or CR) prefixed with an apostrophe. Numbers are written as
 * numbers, never touched: -92.1 is a bound, not a formula.
 */
export function csvText(v: string): string {
  const safe = v.replace(UNSAFE_IN_CSV, escapeChar);
  return /^[=+\-@\t\r]/.test(safe) && !NUMERIC.test(safe) ? `'${safe}` : safe;
}

export function renderCsv<R>(rows: R[], columns: Column<R>[]): string {
  const lines = [columns.map((c) => csvField(csvText(c.header))).join(',')];
  for (const r of rows) {
    lines.push(
      columns
        .map((c) => {
          const v = c.value(r);
          return csvField(typeof v === 'string' ? csvText(v) : cell(v));
        })
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** JSON for any reader: JSON.stringify escapes C0 but leaves C1 and bidi characters raw. */
export function renderJson(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
  return text.replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, escapeChar);
}

export function render<R>(format: OutputFormat, rows: R[], columns: Column<R>[]): string {
  if (format === 'json') return `${renderJson(rows)}\n`;
  return format === 'csv' ? renderCsv(rows, columns) : renderTable(rows, columns);
}
