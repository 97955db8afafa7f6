import { ValidationError } from '@iwae-sweep/core';
import { CONFIG_COLUMNS, type ResultRow } from '@iwae-sweep/db';
import { type Column, type OutputFormat, render } from './format-table.ts';
import { type Cell, type ResultRecord, resultRecords } from './results-columns.ts';

const CONFIG_NAMES = CONFIG_COLUMNS.map((c) => c.name);
/** Metrics averaged per group: every numeric result column (L_k ones included). */
const METRICS = ['testNll', 'testBound', 'trainBound', 'activeUnits', 'examplesPerSecond', 'trainSeconds', 'evalSeconds'];

/**
 * Parses `--group-by`: config fields (comma-separated), or nothing for the default, the whole
 * config but the seed (what the report and the dashboard pool).
 */
export function parseGroupBy(value: string | true): string[] {
  if (value === true) return CONFIG_NAMES.filter((n) => n !== 'seed');
  const fields = value
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  const bad = fields.filter((f) => !CONFIG_NAMES.includes(f) && f !== 'sweep');
  if (bad.length > 0 || fields.length === 0) {
    throw new ValidationError('command-line flags', [
      {
        field: '--group-by',
        value: bad[0] ?? value,
        expected: `config fields, comma-separated: sweep, ${CONFIG_NAMES.join(', ')}`,
      },
    ]);
  }
  return fields;
}

export interface GroupStats {
  record: ResultRecord;
  /** Mean test NLL and trials it averages, for the best-configuration line. */
  nll: { mean: number; sd: number | null; n: number } | null;
}

function meanSd(values: number[]): { mean: number; sd: number | null } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length < 2) return { mean, sd: null };
  const ss = values.reduce((a, v) => a + (v - mean) ** 2, 0);
  return { mean, sd: Math.sqrt(ss / (values.length - 1)) };
}

/**
 * Groups trials by the given fields: per group its fields, `trials` and `n` (finished ones), the
 * mean and sd of every metric over the finished trials, and `varying`: the other config fields
 * (seed aside) that take more than one value inside the group, so a coarse grouping says what it
 * mixes.
 */
export function groupResults(rows: ResultRow[], by: string[]): { columns: string[]; groups: GroupStats[] } {
  const { records } = resultRecords(rows);
  const metrics = [
    ...METRICS,
    ...[...new Set(records.flatMap((r) => Object.keys(r).filter((k) => k.startsWith('L_'))))].sort(
      (a, b) => Number(a.slice(2)) - Number(b.slice(2)),
    ),
  ];
  const buckets = new Map<string, ResultRecord[]>();
  for (const r of records) {
    const key = JSON.stringify(by.map((f) => r[f] ?? null));
    buckets.set(key, [...(buckets.get(key) ?? []), r]);
  }
  const groups: GroupStats[] = [];
  for (const members of buckets.values()) {
    const first = members[0] as ResultRecord;
    const done = members.filter((m) => m.status === 'done');
    const record: ResultRecord = Object.fromEntries(by.map((f) => [f, first[f] ?? null]));
    record.trials = members.length;
    record.n = done.length;
    let nll: GroupStats['nll'] = null;
    for (const metric of metrics) {
      const values = done.map((m) => m[metric]).filter((v): v is number => typeof v === 'number');
      const s = values.length > 0 ? meanSd(values) : null;
      record[`${metric}Mean`] = s?.mean ?? null;
      record[`${metric}Sd`] = s?.sd ?? null;
      if (metric === 'testNll' && s) nll = { ...s, n: values.length };
    }
    record.varying = CONFIG_NAMES.filter(
      (f) => f !== 'seed' && !by.includes(f) && new Set(members.map((m) => JSON.stringify(m[f] ?? null))).size > 1,
    ).join(' ');
    groups.push({ record, nll });
  }
  groups.sort((a, b) => (a.nll?.mean ?? Number.POSITIVE_INFINITY) - (b.nll?.mean ?? Number.POSITIVE_INFINITY));
  const columns = [...by, 'trials', 'n', ...metrics.flatMap((m) => [`${m}Mean`, `${m}Sd`]), 'varying'];
  return { columns, groups };
}

const pm = (mean: Cell, sd: Cell, digits: number) =>
  typeof mean !== 'number' ? null : `${mean.toFixed(digits)}${typeof sd === 'number' ? ` ± ${sd.toFixed(digits)}` : ''}`;

/** The grouped results as a table (mean ± sd cells, constant fields left out), CSV or JSON. */
export function renderGroups(format: OutputFormat, rows: ResultRow[], by: string[]): string {
  const { columns, groups } = groupResults(rows, by);
  const records = groups.map((g) => g.record);
  if (format !== 'table') {
    return render(
      format,
      records,
      columns.map((c) => ({ header: c, value: (r: ResultRecord) => r[c] as string | number | null })),
    );
  }
  // The table: group fields that differ between groups, n, and mean ± sd of the main metrics.
  const shownBy = by.filter((f) => new Set(records.map((r) => JSON.stringify(r[f] ?? null))).size > 1 || by.length <= 4);
  const metricCols = [
    'testNll',
    ...columns.filter((c) => c.startsWith('L_') && c.endsWith('Mean')).map((c) => c.slice(0, -4)),
    'trainBound',
    'activeUnits',
  ];
  const table: Column<ResultRecord>[] = [
    ...shownBy.map((f) => ({ header: f, value: (r: ResultRecord) => cellText(r[f]), align: 'right' as const })),
    { header: 'trials', value: (r) => r.trials as number, align: 'right' },
    { header: 'n', value: (r) => r.n as number, align: 'right' },
    ...metricCols.map(
      (m): Column<ResultRecord> => ({
        header: m,
        value: (r) => pm(r[`${m}Mean`] ?? null, r[`${m}Sd`] ?? null, m === 'activeUnits' ? 1 : 2),
        align: 'right',
      }),
    ),
    { header: 'varying', value: (r) => (r.varying as string) || null },
  ];
  let out = render('table', records, table);
  const best = groups.find((g) => g.nll);
  if (best?.nll) {
    // What sets the best group apart: the fields that differ between groups (all of them when
    // there is one group), without the ones it leaves unset.
    const differing = by.filter((f) => new Set(records.map((r) => JSON.stringify(r[f] ?? null))).size > 1);
    const fields = (differing.length > 0 ? differing : by)
      .filter((f) => (best.record[f] ?? null) !== null)
      .map((f) => `${f}=${cellText(best.record[f])}`)
      .join(' ');
    out += `best configuration (lowest mean testNll): ${fields} — testNll ${pm(best.nll.mean, best.nll.sd, 2)} (n=${best.nll.n})\n`;
  } else {
    out += 'best configuration: none yet (no finished trials)\n';
  }
  return out;
}

function cellText(v: Cell | undefined): string | number | null {
  if (v === undefined) return null;
  return Array.isArray(v) ? v.join(' ') : v;
}
