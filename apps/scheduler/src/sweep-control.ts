import { IwaeSweepError } from '@iwae-sweep/core';
import type { ResultsDb } from '@iwae-sweep/db';
import type { SweepQueues } from '@iwae-sweep/queue';
import { enqueuePending } from './launcher.ts';

export type SweepAction = 'cancel' | 'pause' | 'resume';

/**
 * cancel, pause and resume, for the CLI and the dashboard alike. The DB records the sweep's
 * state (a local runner follows it); for a distributed sweep, Redis is updated too: waiting
 * jobs removed or queued again, and trials running on other machines told to stop.
 */
export async function controlSweep(
  db: ResultsDb,
  queues: SweepQueues | undefined,
  sweepId: string,
  action: SweepAction,
): Promise<string> {
  const sweep = db.getSweep(sweepId);
  if (!sweep) throw new IwaeSweepError('no_sweep', `no sweep "${sweepId}" in ${db.file}`);
  const distributed = sweep.mode === 'redis';
  if (distributed && !queues) {
    throw new IwaeSweepError(
      'no_redis',
      `sweep "${sweepId}" runs on Redis workers: give --redis (or IWAE_SWEEP_REDIS_URL) to ${action} it`,
    );
  }
  switch (action) {
    case 'cancel': {
      db.setSweepState(sweepId, 'cancelled');
      if (distributed) await queues?.cancelSweep(sweepId);
      const queued = db.trialsOf(sweepId, ['queued']).map((t) => t.id);
      db.setTrialStatus(queued, 'cancelled');
      return `sweep ${sweepId} cancelled: ${queued.length} queued trial(s) dropped; running trials stop at their next epoch`;
    }
    case 'pause': {
      db.setSweepState(sweepId, 'paused');
      const removed = distributed && queues ? (await queues.removeWaitingJobs(sweepId)).length : 0;
      return `sweep ${sweepId} paused${removed ? ` (${removed} waiting job(s) taken off the queue)` : ''}; running trials finish`;
    }
    case 'resume': {
      db.setSweepState(sweepId, 'active');
      if (distributed && queues) {
        await queues.clearCancel(sweepId);
        const { queued } = await enqueuePending(db, queues, sweepId);
        return `sweep ${sweepId} resumed: ${queued} trial(s) queued`;
      }
      db.setTrialStatus(
        db.trialsOf(sweepId, ['cancelled']).map((t) => t.id),
        'queued',
      );
      return `sweep ${sweepId} resumed (local: its runner continues, or run it again)`;
    }
  }
}
