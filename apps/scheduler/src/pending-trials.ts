import type { TrialStatus } from '@iwae-sweep/db';

/** Which of its unfinished trials a run or launch of a sweep trains again. */
export interface PendingOptions {
  /** Failed trials (default: yes; `run --no-retry-failed` leaves them). */
  retryFailed?: boolean | undefined;
  /** Trials the stopping rule stopped (`--resume-stopped`). */
  resumeStopped?: boolean | undefined;
}

/** The statuses of the trials a run or launch (re)queues: every one but the finished. */
export function pendingStatuses(o: PendingOptions = {}): TrialStatus[] {
  return [
    'queued',
    // Left "running" by a runner or worker that died: it resumes from its checkpoint.
    'running',
    'cancelled',
    ...((o.retryFailed ?? true) ? (['failed'] as const) : []),
    ...(o.resumeStopped ? (['stopped'] as const) : []),
  ];
}

/** A trial `--reuse` may fill: queued and never started (a started one has its own partial run). */
export const reuseCandidate = (t: { status: string; attempts: number }): boolean => t.status === 'queued' && t.attempts === 0;
