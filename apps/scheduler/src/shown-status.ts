import type { ResultsDb, TrialStatus } from '@iwae-sweep/db';
import { RunLock } from './run-lock.ts';
import { isInterrupted } from './sweep-eta.ts';

/** A trial's status as readers show it: `interrupted` is a `running` trial whose local run died. */
export type ShownStatus = TrialStatus | 'interrupted';

/**
 * Whether a local sweep's run died (SIGKILL, a SIGINT to its process group) and left trials marked
 * running: its lock beside the DB says so. Readers never write the DB; the next run requeues them.
 */
export function deadRun(db: ResultsDb, sweepId: string): boolean {
  const [s] = db.sweepSummaries(sweepId);
  return s !== undefined && isInterrupted(s, s.mode === 'local' ? RunLock.state(db.file, s.id) : undefined);
}

/** Trials with the status to show: those `running` on a dead run are `interrupted`. */
export function withShownStatus<T extends { status: TrialStatus }>(
  rows: T[],
  dead: boolean,
): (Omit<T, 'status'> & { status: ShownStatus })[] {
  return dead ? rows.map((t) => (t.status === 'running' ? { ...t, status: 'interrupted' as const } : t)) : rows;
}
