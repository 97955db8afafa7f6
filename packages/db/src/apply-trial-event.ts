import type { TrialEventRecord } from '@iwae-sweep/core';
import type { ResultsDb } from './results-db.ts';

/**
 * Writes one trial event to the DB: the one path by which both the local runner (events from its
 * children) and the collector (events from the results queue) record what trials do. Every write
 * is idempotent, so an event delivered twice changes nothing the second time, and a finished
 * trial stays finished.
 */
export function applyTrialEvent(db: ResultsDb, record: TrialEventRecord, now = Date.now()): void {
  const { event } = record;
  switch (event.type) {
    case 'started':
      db.trialStarted(
        event.trialId,
        { host: event.host, backend: event.backend, workerId: record.workerId, gitSha: event.gitSha },
        now,
      );
      return;
    case 'phase':
      db.trialPhase(event.trialId, event.phase, event.backend ? { backend: event.backend } : {}, now);
      return;
    case 'epoch':
      db.recordEpoch(event.trialId, event.metrics, now);
      return;
    case 'result':
      db.recordResult(event.trialId, event.result, now);
      return;
    case 'failed':
      db.trialFailed(event.trialId, { message: event.error.message, stack: event.error.stack }, { final: event.final }, now);
      return;
    case 'cancelled':
      db.setTrialStatus([event.trialId], 'cancelled', now);
      return;
    case 'stopped': {
      // The rung record says where and why; the trial's own event only says it has stopped.
      const rung = db.rungs.rungsOf(event.trialId).find((r) => r.stop);
      db.rungs.trialStopped(
        event.trialId,
        rung
          ? { epoch: rung.epoch, metric: rung.metric, reason: rung.reason }
          : { epoch: event.completedEpochs, metric: null, reason: "stopped by the sweep's stopping rule" },
        now,
      );
      return;
    }
  }
}
