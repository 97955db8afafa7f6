import { existsSync } from 'node:fs';
import type { PlannedTrial, SweepPlan } from '@iwae-sweep/core';
import { configValues, ResultsDb, type ReuseMatch, type ReuseRules, varyingColumns } from '@iwae-sweep/db';
import { renderTable } from './format-table.ts';
import { type PendingOptions, pendingStatuses, reuseCandidate } from './pending-trials.ts';
import { describeChange, type SpecChange } from './spec-change.ts';

const fmtFlops = (f: number) =>
  f >= 1e15 ? `${(f / 1e15).toFixed(2)} PFLOP` : f >= 1e12 ? `${(f / 1e12).toFixed(2)} TFLOP` : `${(f / 1e9).toFixed(1)} GFLOP`;

export interface DryRunOptions {
  /** The results DB (it may not exist yet). */
  file: string;
  /** Which unfinished trials of the sweep the run or launch would train again. */
  again: PendingOptions;
  /** `--reuse`: its rules (or why none), and whether it was asked for. */
  reuse: { rules: ReuseRules | string; asked: boolean };
  /**
   * Launch: of these trials, those with no job in Redis. A trial queued there is trained by a
   * worker whatever --reuse finds, so only those may be reused. Absent: all may (a local run).
   * `note` says how it was found when Redis could not be read.
   */
  jobless?: (trialIds: string[]) => Promise<{ ids: ReadonlySet<string>; note?: string }>;
}

/** What a run or launch would do, as its dry run prints it. */
export interface DryRunPlan {
  text: string;
  /** The trials it would queue, in the plan's order (new ones and the sweep's unfinished ones). */
  queued: PlannedTrial[];
  /** Those of them that would train (the rest are reused). */
  toTrain: PlannedTrial[];
}

/** A trial's row in the DB, as far as the dry run needs it. */
type Held = { status: string; attempts: number };

/** The plan's trials the sweep holds already, with their status (read-only; a missing DB holds none). */
function heldTrials(file: string, sweepId: string): Map<string, Held> {
  if (!existsSync(file)) return new Map();
  const db = ResultsDb.open(file, { readonly: true });
  try {
    return new Map(db.trialsOf(sweepId).map((t) => [t.id, { status: t.status, attempts: t.attempts }]));
  } finally {
    db.close();
  }
}

/**
 * The trials --reuse could fill (read-only), and how many others have a twin that the rules
 * refuse (computed by other code, or another backend).
 */
function reusable(
  plan: SweepPlan,
  candidates: PlannedTrial[],
  o: DryRunOptions,
): { matches: Map<string, ReuseMatch>; refused: number } {
  const { rules } = o.reuse;
  if (typeof rules === 'string' || candidates.length === 0 || !existsSync(o.file)) return { matches: new Map(), refused: 0 };
  const db = ResultsDb.open(o.file, { readonly: true });
  try {
    const matches = new Map(db.findReusable(plan.sweepId, candidates, rules).map((m) => [m.trialId, m]));
    const refused = db.findIdenticalAnyVersion(
      plan.sweepId,
      candidates.filter((t) => !matches.has(t.id)),
    ).length;
    return { matches, refused };
  } finally {
    db.close();
  }
}

function reuseLine(r: DryRunOptions['reuse'], n: number, refused: number): string {
  if (r.asked && typeof r.rules === 'string') return `--reuse: nothing would be reused: ${r.rules}\n`;
  const other = refused
    ? `${refused} ${refused === 1 ? 'has' : 'have'} a finished identical trial computed by another code version (or backend): never reused\n`
    : '';
  if (r.asked || n === 0) return other;
  return `${n} of them ${n === 1 ? 'has' : 'have'} a finished identical trial in another sweep: --reuse would copy those instead of training them\n${other}`;
}

/**
 * `run/launch --dry-run`: the trials a run would queue (those it adds, and those of the sweep it
 * would train again), which --reuse would copy, and their estimated cost; nothing is written.
 * The same choices as the real run: the statuses it trains again, and the trials reuse may fill.
 */
export async function dryRunPlan(plan: SweepPlan, change: SpecChange, o: DryRunOptions): Promise<DryRunPlan> {
  const held = heldTrials(o.file, plan.sweepId);
  const again = new Set<string>(pendingStatuses(o.again));
  const added = new Set(change.added.map((t) => t.id));
  const queued = plan.trials.filter((t) => added.has(t.id) || again.has(held.get(t.id)?.status ?? ''));
  // As the run: reuse fills the trials queued and never started (new ones are), and in a launch
  // only those that have no job in Redis yet.
  const fresh = queued.filter((t) => added.has(t.id) || reuseCandidate(held.get(t.id) as Held));
  const older = fresh.filter((t) => !added.has(t.id)).map((t) => t.id);
  const jobless = o.jobless && older.length > 0 && typeof o.reuse.rules !== 'string' ? await o.jobless(older) : undefined;
  const candidates = jobless ? fresh.filter((t) => added.has(t.id) || jobless.ids.has(t.id)) : fresh;
  const { matches, refused } = reusable(plan, candidates, o);
  const copying = o.reuse.asked ? matches : new Map<string, ReuseMatch>();
  const toTrain = queued.filter((t) => !copying.has(t.id));
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
  const rows = queued.map((t) => ({
    id: t.id,
    flops: t.flops,
    values: configValues(t.config),
    status: added.has(t.id) ? 'new' : (held.get(t.id)?.status ?? ''),
  }));
  const unfinished = queued.length - added.size;
  const table = renderTable(rows, [
    { header: 'trial', value: (r) => r.id },
    ...(unfinished > 0 ? [{ header: 'status', value: (r: (typeof rows)[number]) => r.status }] : []),
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
  const total = toTrain.reduce((a, t) => a + t.flops, 0);
  const head = change.existing
    ? `sweep ${plan.sweepId} exists: ${plan.trials.length} trials in the spec\n${describeChange(change)}\n`
    : `sweep ${plan.sweepId} is new: ${plan.trials.length} trials\n`;
  const what =
    unfinished > 0
      ? `would add ${change.added.length} trials and queue ${unfinished} unfinished one(s) of the sweep`
      : `would add ${change.added.length} trials`;
  const adds =
    copying.size > 0
      ? `${what}: ${copying.size} would be reused, ${toTrain.length} to train, estimated ${fmtFlops(total)}`
      : `${what}, estimated ${fmtFlops(total)} in all`;
  const text = `${head}${queued.length > 0 ? table : ''}${adds} (dry run: nothing written)\n${jobless?.note ? `${jobless.note}\n` : ''}${reuseLine(o.reuse, matches.size, refused)}`;
  return { text, queued, toTrain };
}

const reusedFrom = (m: ReuseMatch | undefined) => (m ? `${m.fromSweep}/${m.fromTrial}` : '');
