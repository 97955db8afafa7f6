import { existsSync } from 'node:fs';
import { IwaeSweepError, type PlannedTrial, type SweepPlan, stableStringify } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';

/** What re-running a spec under an existing sweep name would change. */
export interface SpecChange {
  /** `base.epochs: 3 → 2` style lines, one per changed spec path. */
  fields: string[];
  /** Trials of the plan the sweep does not have yet. */
  added: PlannedTrial[];
  /** Whether the sweep exists already (else everything is new and nothing is "changed"). */
  existing: boolean;
  /** Trials the sweep has that the plan no longer names. */
  notInPlan: number;
}

/** A changed spec re-run under the same name without `--extend`: refused, nothing written. */
export class SpecChangedError extends IwaeSweepError {
  override readonly name = 'SpecChangedError';
  constructor(sweepId: string, change: SpecChange) {
    super(
      'spec_changed',
      `sweep "${sweepId}" exists with a different spec; nothing was changed.\n${describeChange(change)}\n` +
        `  Re-run with --extend to add these trials to "${sweepId}" (its report then mixes both specs' trials, each in its own group),\n` +
        '  or give the spec a new `name` to start a separate sweep.',
    );
  }
}

const show = (v: unknown) => (v === undefined ? '(unset)' : JSON.stringify(v));

function diff(before: unknown, after: unknown, path: string, out: string[]): void {
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
      diff(before[key], after[key], path ? `${path}.${key}` : key, out);
    }
    return;
  }
  if (stableStringify(before ?? null) !== stableStringify(after ?? null)) out.push(`${path}: ${show(before)} → ${show(after)}`);
}

/** Compares a plan with what the DB holds for its sweep (a missing DB file holds nothing). */
export function specChange(file: string, plan: SweepPlan): SpecChange {
  if (!existsSync(file)) return { fields: [], added: plan.trials, existing: false, notInPlan: 0 };
  const db = ResultsDb.open(file, { readonly: true });
  try {
    const sweep = db.getSweep(plan.sweepId);
    if (!sweep) return { fields: [], added: plan.trials, existing: false, notInPlan: 0 };
    const have = new Set(db.trialsOf(plan.sweepId).map((t) => t.id));
    const inPlan = new Set(plan.trials.map((t) => t.id));
    const fields: string[] = [];
    diff(JSON.parse(sweep.specJson), JSON.parse(stableStringify(plan.spec)), '', fields);
    return {
      fields,
      added: plan.trials.filter((t) => !have.has(t.id)),
      existing: true,
      notInPlan: [...have].filter((id) => !inPlan.has(id)).length,
    };
  } finally {
    db.close();
  }
}

export function describeChange(c: SpecChange): string {
  const lines = c.fields.map((f) => `  changed ${f}`);
  lines.push(
    `  trials added: ${c.added.length}${c.notInPlan > 0 ? `; ${c.notInPlan} earlier trials are not in the new spec (kept)` : ''}`,
  );
  return lines.join('\n');
}

/**
 * Refuses a re-run whose spec changed (fields, or trials to add) unless `extend`: a changed spec
 * silently merged into a sweep mixes runs (the report averaged 2- and 3-epoch trials). Returns
 * the change so the caller can say what it adds.
 */
export function checkSpecChange(file: string, plan: SweepPlan, extend: boolean): SpecChange {
  const change = specChange(file, plan);
  const changed = change.existing && (change.fields.length > 0 || change.added.length > 0);
  if (changed && !extend) throw new SpecChangedError(plan.sweepId, change);
  if (changed) process.stderr.write(`extending sweep ${plan.sweepId}:\n${describeChange(change)}\n`);
  return change;
}
