import {
  type BackendName,
  type EpochMetrics,
  rungEpochs,
  type TrialJob,
  type TrialPhase,
  type TrialResult,
  totalEpochs,
} from '@iwae-sweep/core';
import { activeBackend, type CheckpointStore, runTrial, TrainingAbortedError } from '@iwae-sweep/iwae';
import { STOPPED_BY_RULE, TrialStoppedError } from './trial-stopped-error.ts';

/** Where a running trial reports to: the local runner over IPC, or the results queue. */
export interface TrialSink {
  phase(phase: TrialPhase, detail: { backend?: string; resumedFromEpoch?: number }): void | Promise<void>;
  epoch(metrics: EpochMetrics, totalEpochs: number): void | Promise<void>;
  evalProgress?(done: number, total: number): void;
  /** Work inside an epoch went on (a training batch, a validation pass): see runTrial's onTrainProgress. */
  trainProgress?(): void;
  /**
   * Called at each rung of the job's stopping rule, after that epoch was reported: resolves to
   * true if the trial must stop there. The decision is taken where every trial's rung results are
   * visible (the local runner, the collector), so the trial waits for it before training on.
   */
  rung?(epoch: number): Promise<boolean>;
}

export interface ExecuteOptions {
  store: CheckpointStore;
  /** The worker's backend; `auto` or absent defers to the job's, then to auto-detection. */
  backend?: BackendName | undefined;
  gpu?: number | undefined;
  /** Aborted with {@link STOPPED_BY_RULE} as its reason, the trial ends with TrialStoppedError. */
  signal?: AbortSignal | undefined;
  sink: TrialSink;
}

/**
 * Runs one trial job with a checkpoint per epoch in `store` (key = trial id), resuming from the
 * last one. Epochs restored from a checkpoint are reported again: the consumer's writes are
 * idempotent, and an epoch whose report was lost in a crash is recorded this way. With a
 * stopping rule, a trial stopped at a rung throws {@link TrialStoppedError}; its checkpoint stays.
 */
export async function executeTrial(job: TrialJob, opts: ExecuteOptions): Promise<TrialResult> {
  const backend = opts.backend && opts.backend !== 'auto' ? opts.backend : (job.backend ?? opts.backend ?? 'auto');
  const total = totalEpochs(job.config.schedule);
  const rungs = new Set(job.stopping ? rungEpochs(job.stopping, total) : []);
  const controller = new AbortController();
  const onAbort = () => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await runTrial(job.config, {
      backend,
      ...(opts.gpu === undefined ? {} : { gpu: opts.gpu }),
      checkpoints: { store: opts.store, key: job.trialId },
      signal: controller.signal,
      onPhase: (phase, detail) => {
        const active = activeBackend();
        return opts.sink.phase(phase, { ...detail, ...(active ? { backend: active.name } : {}) });
      },
      onRestored: async (history) => {
        // Replayed epochs were judged when they were first trained: no rung waits here.
        for (const m of history) await opts.sink.epoch(m, total);
      },
      onEpoch: async (metrics) => {
        await opts.sink.epoch(metrics, total);
        if (!rungs.has(metrics.epoch) || !opts.sink.rung || controller.signal.aborted) return;
        if (await opts.sink.rung(metrics.epoch)) controller.abort(STOPPED_BY_RULE);
      },
      onEvalProgress: (done, n) => opts.sink.evalProgress?.(done, n),
      ...(opts.sink.trainProgress ? { onTrainProgress: () => opts.sink.trainProgress?.() } : {}),
    });
  } catch (err) {
    if (err instanceof TrainingAbortedError && controller.signal.reason === STOPPED_BY_RULE) {
      throw new TrialStoppedError(err.completedEpochs);
    }
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
