import { existsSync } from 'node:fs';
import type { PlannedTrial, SweepPlan } from '@iwae-sweep/core';
import { configValues, ResultsDb, type ReuseMatch, type ReuseRules, varyingColumns } from '@iwae-sweep/db';
import { renderTable } from './format-table.ts';
import { describeChange, type SpecChange } from './spec-change.ts';

const fmtFlops = (f: number) =>
  f >= 1e15 ? `${(f / 1e15).toFixed(2)} PFLOP` : f >= 1e12 ? `${(f / 1e12).toFixed(2)} TFLOP` : `${(f / 1e9).toFixed(1)} GFLOP`;

/** What `--reuse` would do in a dry run: its rules (or why none), whether it was asked for, and the DB. */
export interface DryRunReuse {
  reuse: ReuseRules | string;
  asked: boolean;
  file: string;
}

/**
 * The trials to add that a finished identical trial of another sweep could fill (read-only), and
 * how many others have a twin that the rules refuse (computed by other code, or another backend).
 */
function reusable(
  plan: SweepPlan,
  added: PlannedTrial[],
  r: DryRunReuse | undefined,
): { matches: Map<string, ReuseMatch>; refused: number } {
  if (!r || typeof r.reuse === 'string' || added.length === 0 || !existsSync(r.file)) return { matches: new Map(), refused: 0 };
  const db = ResultsDb.open(r.file, { readonly: true });
  try {
    const matches = new Map(db.findReusable(plan.sweepId, added, r.reuse).map((m) => [m.trialId, m]));
    const refused = db.findIdenticalAnyVersion(
      plan.sweepId,
      added.filter((t) => !matches.has(t.id)),
    ).length;
    return { matches, refused };
  } finally {
    db.close();
  }
}

function reuseLine(r: DryRunReuse | undefined, n: number, refused: number): string {
  if (!r) return '';
  if (r.asked && typeof r.reuse === 'string') return `--reuse: nothing would be reused: ${r.reuse}\n`;
  const other = refused
    ? `${refused} ${refused === 1 ? 'has' : 'have'} a finished identical trial computed by another code version (or backend): never reused\n`
    : '';
  if (r.asked || n === 0) return other;
  return `${n} of them ${n === 1 ? 'has' : 'have'} a finished identical trial in another sweep: --reuse would copy those instead of training them\n${other}`;
}

/** `run/launch --dry-run`: the trials a run would add, with their estimated cost; nothing is written. */
export function dryRunText(plan: SweepPlan, change: SpecChange, reuseOpts?: DryRunReuse): string {
  const { matches, refused } = reusable(plan, change.added, reuseOpts);
  const copying = reuseOpts?.asked ? matches : new Map<string, ReuseMatch>();
  const shown = [
    'objective',
    'k',
    'layers',
    'latent',
    ...varyingColumns(
      plan.trials.map((t) => t.config),
      ['objective', 'k', 'layers', 'latent', 'seed'],
    ),
    'seed',
  ];
  const rows = change.added.map((t) => ({ id: t.id, flops: t.flops, values: configValues(t.config) }));
  const table = renderTable(rows, [
    { header: 'trial', value: (r) => r.id },
    ...shown.map((name) => ({
      header: name,
      value: (r: (typeof rows)[number]) => {
        const v = r.values[name] ?? null;
        return Array.isArray(v) ? v.join(' ') : v;
      },
      align: 'right' as const,
    })),
    { header: 'estimate', value: (r) => fmtFlops(r.flops), align: 'right' },
    ...(copying.size > 0 ? [{ header: 'reused from', value: (r: (typeof rows)[number]) => reusedFrom(copying.get(r.id)) }] : []),
  ]);
  const total = change.added.filter((t) => !copying.has(t.id)).reduce((a, t) => a + t.flops, 0);
  const head = change.existing
    ? `sweep ${plan.sweepId} exists: ${plan.trials.length} trials in the spec\n${describeChange(change)}\n`
    : `sweep ${plan.sweepId} is new: ${plan.trials.length} trials\n`;
  const adds =
    copying.size > 0
      ? `would add ${change.added.length} trials: ${copying.size} would be reused, ${change.added.length - copying.size} to train, estimated ${fmtFlops(total)}`
      : `would add ${change.added.length} trials, estimated ${fmtFlops(total)} in all`;
  return `${head}${change.added.length > 0 ? table : ''}${adds} (dry run: nothing written)\n${reuseLine(reuseOpts, matches.size, refused)}`;
}

const reusedFrom = (m: ReuseMatch | undefined) => (m ? `${m.fromSweep}/${m.fromTrial}` : '');
