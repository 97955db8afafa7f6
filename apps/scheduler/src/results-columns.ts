import { CONFIG_COLUMNS, type ConfigValue, type ResultRow } from '@iwae-sweep/db';
import { type Column, type OutputFormat, render } from './format-table.ts';
import { samplesLabel } from './web/estimator-labels.js';

/** A cell of `results`: numbers stay numbers and lists stay lists in JSON. */
export type Cell = string | number | number[] | null;
export type ResultRecord = Record<string, Cell>;

const CONFIG_NAMES = CONFIG_COLUMNS.map((c) => c.name);
/** Config columns the terminal table always shows; the others only when they vary. */
const ALWAYS_SHOWN = new Set(['objective', 'layers', 'k', 'latent', 'seed']);

/**
 * Every trial as one flat record under the results' one set of names: sweep, trial, group,
 * status, every trial-config field (from its schema), progress, the result (one `L_<k>` per
 * extra k) and where it ran. CSV and JSON carry all of them, in this order, for every row.
 */
export function resultRecords(rows: ResultRow[]): { columns: string[]; records: ResultRecord[] } {
  const ks = [...new Set(rows.flatMap((r) => Object.keys(r.testBoundsByK)))].map(Number).sort((a, b) => a - b);
  const records = rows.map((r): ResultRecord => {
    const rec: ResultRecord = { sweep: r.sweep, trial: r.trial, group: r.group, status: r.status };
    for (const name of CONFIG_NAMES) rec[name] = (r.config[name] ?? null) as ConfigValue;
    Object.assign(rec, {
      epochsDone: r.epochsDone,
      epochs: r.epochs,
      attempts: r.attempts,
      testNll: r.testNll,
      testBound: r.testBound,
    });
    for (const k of ks) rec[`L_${k}`] = r.testBoundsByK[String(k)] ?? null;
    Object.assign(rec, {
      trainBound: r.trainBound,
      activeUnits: r.activeUnits,
      activeUnitsPerLayer: r.activeUnitsPerLayer,
      examplesPerSecond: r.examplesPerSecond,
      trainSeconds: r.trainSeconds,
      evalSeconds: r.evalSeconds,
      backend: r.backend,
      host: r.host,
      error: r.error ? (r.error.split('\n')[0] ?? '') : null,
      // Early-stopped trials: the epoch of the rung and the rule's reason.
      stopEpoch: r.stopEpoch,
      stopReason: r.stopReason,
      // Gradient SNR after training (trials with gradSnr).
      snrEncoderMean: r.snrEncoderMean,
      snrEncoderMedian: r.snrEncoderMedian,
      snrDecoderMean: r.snrDecoderMean,
      snrDecoderMedian: r.snrDecoderMedian,
      // A trial copied from a finished identical one (`--reuse`): its original, "sweep/trial".
      reusedFrom: r.reusedFrom,
    });
    return rec;
  });
  const columns = records[0] ? Object.keys(records[0]) : ['sweep', 'trial', 'group', 'status', ...CONFIG_NAMES, 'testNll'];
  return { columns, records };
}

const DIGITS: Record<string, number> = {
  testNll: 2,
  testBound: 2,
  trainBound: 2,
  examplesPerSecond: 0,
  trainSeconds: 1,
  evalSeconds: 1,
  snrEncoderMean: 3,
  snrEncoderMedian: 3,
  snrDecoderMean: 3,
  snrDecoderMedian: 3,
};
/** Columns the terminal table shows only when some row has them (early stopping, gradient SNR). */
const SHOWN_WHEN_SET = new Set([
  'stopEpoch',
  'stopReason',
  'reusedFrom',
  ...Object.keys(DIGITS).filter((n) => n.startsWith('snr')),
]);

function toColumn(name: string, opts: { header?: string; digits?: number } = {}): Column<ResultRecord> {
  const digits = opts.digits ?? DIGITS[name] ?? (name.startsWith('L_') ? 2 : undefined);
  return {
    header: opts.header ?? name,
    value: (r) => {
      const v = r[name];
      return Array.isArray(v) ? v.join(' ') : v;
    },
    ...(digits !== undefined ? { digits } : {}),
  };
}

/**
 * The columns of a rendering: CSV and JSON get every column; the terminal table keeps the same
 * names but leaves out config fields that are equal on every row (listed in `constant`), the
 * group hash and timings, so that it fits a terminal.
 */
export function resultColumns(
  columns: string[],
  records: ResultRecord[],
  format: OutputFormat,
  opts: { sweep?: boolean } = {},
): { columns: Column<ResultRecord>[]; constant: Record<string, Cell> } {
  if (format !== 'table') return { columns: columns.map((c) => toColumn(c)), constant: {} };
  const constant: Record<string, Cell> = {};
  const shown = columns.filter((name) => {
    if (name === 'sweep') return opts.sweep ?? true;
    if (['group', 'attempts', 'trainSeconds', 'evalSeconds', 'host', 'testBound', 'activeUnits'].includes(name)) return false;
    if (SHOWN_WHEN_SET.has(name)) return records.some((r) => r[name] !== null);
    if (!CONFIG_NAMES.includes(name) || ALWAYS_SHOWN.has(name)) return true;
    const values = new Set(records.map((r) => JSON.stringify(r[name] ?? null)));
    if (values.size > 1) return true;
    if (records[0]) constant[name] = records[0][name] ?? null;
    return false;
  });
  return {
    columns: shown.map((name) => ({
      ...toColumn(name),
      // miwae/piwae: "M=5 × K=10", their bound uses m·K samples per point (the m column may be hidden as constant).
      ...(name === 'k'
        ? { value: (r: ResultRecord) => (typeof r.m === 'number' ? samplesLabel({ k: Number(r.k), m: r.m }) : Number(r.k)) }
        : {}),
      align: numericColumn(name, records) ? 'right' : 'left',
    })),
    constant,
  };
}

function numericColumn(name: string, records: ResultRecord[]): boolean {
  return records.some((r) => typeof r[name] === 'number' || Array.isArray(r[name]));
}

/** "hidden=200 learningRate=0.001 …": the config fields a table left out because every row has them. */
export function describeConstant(constant: Record<string, Cell>): string {
  return (
    Object.entries(constant)
      // A field no row sets (m, beta, gradSnr… of other objectives) says nothing here.
      .filter(([, v]) => v !== null)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(',')}]` : v}`)
      .join(' ')
  );
}

/** `results` as text: a table (with a line of the fields every row shares), CSV or JSON. */
export function renderResults(format: OutputFormat, rows: ResultRow[], opts: { sweep?: boolean } = {}): string {
  const { columns, records } = resultRecords(rows);
  const { columns: shown, constant } = resultColumns(columns, records, format, opts);
  const text = render(format, records, shown);
  const same = describeConstant(constant);
  return format === 'table' && same && records.length > 1 ? `${text}every row: ${same}\n` : text;
}

/** `results --epochs`: one row per epoch (long format), every column in CSV and JSON. */
export function renderEpochs(format: OutputFormat, rows: Record<string, Cell>[]): string {
  const names = rows[0] ? Object.keys(rows[0]) : [];
  const shown =
    format === 'table'
      ? names.filter(
          (n) => !CONFIG_NAMES.includes(n) || ALWAYS_SHOWN.has(n) || new Set(rows.map((r) => JSON.stringify(r[n]))).size > 1,
        )
      : names;
  return render(
    format,
    rows,
    shown
      .filter((n) => format !== 'table' || (n !== 'group' && (!SHOWN_WHEN_SET.has(n) || rows.some((r) => r[n] !== null))))
      .map((n) => ({ ...toColumn(n), ...(n === 'trainBound' ? { digits: 2 } : {}) })),
  );
}
