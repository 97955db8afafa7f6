/** Rendering of rows for the terminal (aligned text), CSV (RFC 4180) and JSON. */

export type OutputFormat = 'table' | 'csv' | 'json';
export const OUTPUT_FORMATS: OutputFormat[] = ['table', 'csv', 'json'];

export interface Column<R> {
  header: string;
  value: (row: R) => string | number | null | undefined;
  /** Digits after the decimal point for numbers in the table (CSV and JSON keep full precision). */
  digits?: number;
  align?: 'left' | 'right';
}

function cell(v: string | number | null | undefined, digits?: number): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return digits === undefined ? String(v) : v.toFixed(digits);
  return v;
}

export function renderTable<R>(rows: R[], columns: Column<R>[]): string {
  const cells = rows.map((r) => columns.map((c) => cell(c.value(r), c.digits)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => ((columns[i]?.align ?? 'left') === 'right' ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function renderCsv<R>(rows: R[], columns: Column<R>[]): string {
  const lines = [columns.map((c) => csvField(c.header)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvField(cell(c.value(r)))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function render<R>(format: OutputFormat, rows: R[], columns: Column<R>[]): string {
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  return format === 'csv' ? renderCsv(rows, columns) : renderTable(rows, columns);
}
