import type { BackendName, EpochMetrics, TrialConfig, TrialPhase, TrialResult } from '@iwae-sweep/core';
import { initBackend } from './backend.ts';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.ts';
import type { CheckpointStore } from './checkpoint-store.ts';
import { CheckpointError, TrainingAbortedError } from './errors.ts';
import { activeUnits, evaluateBound } from './evaluate.ts';
import { gradientFor } from './gradient-choice.ts';
import type { GradientPath } from './layer-ops.ts';
import { loadMnistImages, takeImages } from './mnist.ts';
import { runtimeInfo } from './runtime-info.ts';
import { snrDue, trialGradientSnr } from './snr-check.ts';
import { IwaeTrainer } from './trainer.ts';
import { validationBound, validationImages } from './validation.ts';

export interface RunTrialOptions {
  backend?: BackendName;
  gpu?: number;
  gradient?: GradientPath;
  /** Resume from and save to this store under `checkpointKey` after every epoch. */
  checkpoints?: { store: CheckpointStore; key: string };
  /** Called after each epoch (after its checkpoint is saved). */
  onEpoch?: (metrics: EpochMetrics, totalEpochs: number) => void | Promise<void>;
  onPhase?: (phase: TrialPhase, detail?: { resumedFromEpoch?: number }) => void | Promise<void>;
  /**
   * Called once after a checkpoint is restored, with the epochs it already holds, so that a
   * consumer that missed them (a report lost in a crash) can record them now.
   */
  onRestored?: (history: EpochMetrics[]) => void | Promise<void>;
  /**
   * Called when the stored checkpoint is refused (edited, corrupt, foreign): it is deleted and the
   * trial starts from scratch, rather than failing on the same file at every retry. Default: a
   * warning on stderr.
   */
  onCheckpointRejected?: (err: CheckpointError) => void | Promise<void>;
  onEvalProgress?: (imagesDone: number, images: number) => void;
  /**
   * Called as an epoch's work proceeds (after each training batch, each pass of the validation
   * bound and each gradient-SNR draw): an epoch of a large trial on a slow machine takes hours, and a watchdog
   * must tell it from a stalled one.
   */
  onTrainProgress?: () => void;
  /** Checked between epochs: when aborted, the trial stops with {@link TrainingAbortedError}. */
  signal?: AbortSignal;
}

/**
 * Trains and evaluates one trial end to end: MNIST subsets, training with a checkpoint per
 * epoch (resuming from the last one), then test L_evalK, per-K bounds and active units.
 */
export async function runTrial(config: TrialConfig, opts: RunTrialOptions = {}): Promise<TrialResult> {
  const backend = await initBackend(opts.backend ?? 'auto', opts.gpu === undefined ? {} : { gpu: opts.gpu });
  const gradient = opts.gradient ?? gradientFor(backend.name);
  await opts.onPhase?.('loading');
  const trainSplit = loadMnistImages('train');
  const train = takeImages(trainSplit, config.trainSize);
  const validation = validationImages(config, trainSplit);
  const test = takeImages(loadMnistImages('test'), config.testSize);
  const trainer = new IwaeTrainer(config, train, { gradient });
  try {
    let resumedFromEpoch = 0;
    if (opts.checkpoints) {
      const { store, key } = opts.checkpoints;
      const saved = await store.load(key);
      if (saved) {
        try {
          trainer.restore(decodeCheckpoint(saved, config, store.describe(key)));
          resumedFromEpoch = trainer.epoch;
        } catch (err) {
          const rejected =
            err instanceof CheckpointError
              ? err
              : new CheckpointError(store.describe(key), (err as Error).message, { cause: err });
          await store.remove(key);
          if (opts.onCheckpointRejected) await opts.onCheckpointRejected(rejected);
          else console.warn(`${rejected.message}: deleted, the trial starts from scratch`);
        }
        if (resumedFromEpoch > 0) await opts.onRestored?.([...trainer.history]);
      }
    }
    await opts.onPhase?.('training', { resumedFromEpoch });
    const total = trainer.totalEpochs;
    let trainSeconds = 0;
    let examples = 0;
    while (trainer.epoch < total) {
      if (opts.signal?.aborted) throw new TrainingAbortedError(trainer.epoch, String(opts.signal.reason ?? 'aborted'));
      const metrics = trainer.trainEpoch(opts.onTrainProgress);
      if (validation) trainer.recordValidation(await validationBound(trainer, validation, opts.onTrainProgress));
      if (snrDue(config, trainer.epoch, total))
        trainer.annotateLastEpoch({ gradientSnr: trialGradientSnr(trainer, train, opts.onTrainProgress) });
      trainSeconds += metrics.seconds;
      examples += config.trainSize;
      if (opts.checkpoints) {
        const { store, key } = opts.checkpoints;
        await store.save(key, encodeCheckpoint(config, trainer.state()), { epoch: trainer.epoch });
      }
      await opts.onEpoch?.(metrics, total);
    }
    if (opts.signal?.aborted) throw new TrainingAbortedError(trainer.epoch, String(opts.signal.reason ?? 'aborted'));
    await opts.onPhase?.('evaluating');
    const evaluation = await evaluateBound(trainer.ops, trainer.params, trainer.arch, test, {
      k: config.evalK,
      ks: config.evalKs,
      seed: config.seed,
      ...(opts.onEvalProgress ? { onProgress: opts.onEvalProgress } : {}),
    });
    const auStart = performance.now();
    const units = activeUnits(trainer.ops, trainer.params, trainer.arch, takeImages(test, config.activeUnitImages), {
      seed: config.seed,
    });
    const evalSeconds = evaluation.seconds + (performance.now() - auStart) / 1000;
    const history = [...trainer.history];
    await opts.onPhase?.('done');
    return {
      testNll: -evaluation.bound,
      testBound: evaluation.bound,
      evalK: config.evalK,
      testBoundsByK: Object.fromEntries(Object.entries(evaluation.boundsByK)),
      testJackknife: evaluation.jackknife,
      testEssMean: evaluation.essMean,
      testEssMedian: evaluation.essMedian,
      trainBound: history.at(-1)?.trainBound ?? Number.NaN,
      activeUnits: units.reduce((a, b) => a + b, 0),
      activeUnitsPerLayer: units,
      ...(history.at(-1)?.gradientSnr ? { gradientSnr: history.at(-1)?.gradientSnr } : {}),
      epochs: history,
      examplesPerSecond: trainSeconds > 0 ? examples / trainSeconds : 0,
      trainSeconds,
      evalSeconds,
      backend: backend.name,
      runtime: await runtimeInfo(backend),
      gradient,
      seed: config.seed,
      resumedFromEpoch,
      config,
    };
  } finally {
    trainer.dispose();
  }
}
