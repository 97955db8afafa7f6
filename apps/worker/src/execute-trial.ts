import {
  type BackendName,
  type EpochMetrics,
  type TrialJob,
  type TrialPhase,
  type TrialResult,
  totalEpochs,
} from '@iwae-sweep/core';
import { activeBackend, type CheckpointStore, runTrial } from '@iwae-sweep/iwae';

/** Where a running trial reports to: the local runner over IPC, or the results queue. */
export interface TrialSink {
  phase(phase: TrialPhase, detail: { backend?: string; resumedFromEpoch?: number }): void | Promise<void>;
  epoch(metrics: EpochMetrics, totalEpochs: number): void | Promise<void>;
  evalProgress?(done: number, total: number): void;
}

export interface ExecuteOptions {
  store: CheckpointStore;
  /** The worker's backend; `auto` or absent defers to the job's, then to auto-detection. */
  backend?: BackendName | undefined;
  gpu?: number | undefined;
  signal?: AbortSignal | undefined;
  sink: TrialSink;
}

/**
 * Runs one trial job with a checkpoint per epoch in `store` (key = trial id), resuming from the
 * last one. Epochs restored from a checkpoint are reported again: the consumer's writes are
 * idempotent, and an epoch whose report was lost in a crash is recorded this way.
 */
export async function executeTrial(job: TrialJob, opts: ExecuteOptions): Promise<TrialResult> {
  const backend = opts.backend && opts.backend !== 'auto' ? opts.backend : (job.backend ?? opts.backend ?? 'auto');
  const total = totalEpochs(job.config.schedule);
  return runTrial(job.config, {
    backend,
    ...(opts.gpu === undefined ? {} : { gpu: opts.gpu }),
    checkpoints: { store: opts.store, key: job.trialId },
    ...(opts.signal ? { signal: opts.signal } : {}),
    onPhase: (phase, detail) => {
      const active = activeBackend();
      return opts.sink.phase(phase, { ...detail, ...(active ? { backend: active.name } : {}) });
    },
    onRestored: async (history) => {
      for (const m of history) await opts.sink.epoch(m, total);
    },
    onEpoch: (metrics) => opts.sink.epoch(metrics, total),
    onEvalProgress: (done, n) => opts.sink.evalProgress?.(done, n),
  });
}
