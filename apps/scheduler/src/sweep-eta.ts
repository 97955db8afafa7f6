import type { SweepSummary } from '@iwae-sweep/db';
import type { LocalRunState } from './run-lock.ts';

/**
 * Seconds left for a sweep, from its throughput so far: estimated flops finished per second of
 * wall time since its first trial started. Undefined when nothing has finished yet.
 */
export function sweepEtaSeconds(s: SweepSummary, now = Date.now()): number | undefined {
  if (s.flopsLeft <= 0 || s.flopsDone <= 0 || s.firstStartedAt === null) return undefined;
  const wall = ((s.running > 0 ? now : (s.lastFinishedAt ?? now)) - s.firstStartedAt) / 1000;
  if (wall <= 0) return undefined;
  return s.flopsLeft / (s.flopsDone / wall);
}

/**
 * active, paused, cancelled (set by a user), else derived: done, failed, running or queued; and
 * `interrupted` for a local sweep with running trials whose runner is gone (`runner`: what its
 * lock says, see RunLock.state).
 */
export function sweepStatus(s: SweepSummary, runner?: LocalRunState): string {
  if (s.state !== 'active') return s.state;
  // Trials the stopping rule ended count as finished: the sweep did what it was asked.
  if (s.total > 0 && s.done + s.stopped === s.total) return 'done';
  if (s.running > 0 && isInterrupted(s, runner)) return 'interrupted';
  if (s.running > 0) return 'running';
  if (s.queued > 0) return 'queued';
  if (s.failed > 0) return 'failed';
  return s.total === 0 ? 'empty' : 'stopped';
}

/** A local sweep whose trials are marked running though no live runner holds its lock. */
export function isInterrupted(s: Pick<SweepSummary, 'mode' | 'running'>, runner: LocalRunState | undefined): boolean {
  return s.mode === 'local' && s.running > 0 && runner !== undefined && runner !== 'alive';
}
