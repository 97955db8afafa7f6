import { gitSha } from '@iwae-sweep/cli';
import { AUTO_BACKENDS, type BackendName, type SweepPlan, type TrialConfig } from '@iwae-sweep/core';
import type { ResultsDb, ReuseMatch, ReuseRules } from '@iwae-sweep/db';
import { reuseCandidate } from './pending-trials.ts';

/**
 * When a run may reuse finished trials of other sweeps, and under what rules; a string says why
 * it may not. A copy must be exactly what training would give:
 * - the same code version (a result depends on the training code, so an unknown version reuses nothing);
 * - a backend that could train it: the one the run pins (backends round differently), or under
 *   `auto` one that auto may pick (so never a trial computed on `cpu`, whose gradients differ);
 * - no stopping rule in this sweep: a copied trial would skip the rule's decisions at its rungs,
 *   and the decisions on the trials after it would change.
 */
export function reuseRules(plan: SweepPlan, backend: BackendName | undefined, sha = gitSha()): ReuseRules | string {
  if (plan.spec.stopping) return 'the sweep has a stopping rule, whose decisions depend on the trials it sees train';
  if (!sha) return 'the code version is unknown (not run from a git checkout), so no result can be shown to match it';
  return { gitSha: sha, backends: backend && backend !== 'auto' ? [backend] : AUTO_BACKENDS };
}

/**
 * Copies into a sweep the results of finished identical trials of other sweeps, for the given
 * candidates (trials of the sweep that are queued and never started). Returns what was copied.
 */
export function reuseFinishedTrials(
  db: ResultsDb,
  sweepId: string,
  candidates: readonly { id: string; config: TrialConfig; status: string; attempts: number }[],
  rules: ReuseRules,
): ReuseOutcome {
  const fresh = candidates.filter(reuseCandidate);
  const matches = db.findReusable(sweepId, fresh, rules);
  const copied = new Set(db.reuseTrials(matches));
  // Twins the rules refused (another code version or backend): they train, and the log says why.
  const refused = db.findIdenticalAnyVersion(
    sweepId,
    fresh.filter((t) => !copied.has(t.id)),
  ).length;
  return { candidates: fresh.length, copied: matches.filter((m) => copied.has(m.trialId)), refused };
}

/** What `--reuse` did: how many trials it looked at (queued, never started), which it copied. */
export interface ReuseOutcome {
  candidates: number;
  copied: ReuseMatch[];
  /** Trials left to train that have a finished twin computed by other code (or another pinned backend). */
  refused: number;
}

/** One line for a run's log: how many trials were reused, and from which sweeps. */
export function describeReuse({ candidates, copied: matches, refused }: ReuseOutcome): string {
  if (candidates === 0) return 'reuse: no trial of the sweep is waiting to start; nothing to reuse\n';
  const other = refused
    ? `reuse: ${refused} trial(s) have a finished identical trial computed by another code version (or backend): they train\n`
    : '';
  if (matches.length === 0)
    return other || `reuse: no finished identical trial in another sweep; the ${candidates} waiting trial(s) train\n`;
  const sweeps = [...new Set(matches.map((m) => m.fromSweep))].sort();
  return `reuse: ${matches.length} trial(s) copied from finished identical trials of ${sweeps.join(', ')} (same config, seed and code): not trained again\n${other}`;
}
