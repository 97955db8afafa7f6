import type { Objective, TrialConfig } from '@iwae-sweep/core';
import type { ConfigValue } from './config-columns.ts';
import type { Condition, SortKey } from './filters.ts';
import type { epochs, sweeps, TrialStatus, trials } from './schema.ts';

/** Types the results DB takes and returns (rows are parsed: no caller decodes JSON columns). */

export interface SweepInput {
  id: string;
  description?: string | undefined;
  spec: unknown;
  mode: 'local' | 'redis';
  gitSha?: string | undefined;
  host?: string | undefined;
}

export interface TrialStart {
  host?: string | undefined;
  /** Commit of the code that runs the trial (workers may run other versions than the scheduler). */
  gitSha?: string | undefined;
  backend?: string | undefined;
  workerId?: string | undefined;
}

export type SweepRow = typeof sweeps.$inferSelect;
export type TrialRow = typeof trials.$inferSelect;
/** A trial with its config, as a runner needs it. */
export type TrialWithConfig = TrialRow & { config: TrialConfig };
export type EpochRow = typeof epochs.$inferSelect;

export interface SweepSummary extends SweepRow {
  total: number;
  queued: number;
  running: number;
  done: number;
  failed: number;
  cancelled: number;
  /** Ended early by the sweep's stopping rule. */
  stopped: number;
  epochsDone: number;
  epochsTotal: number;
  /** Sum of the estimated flops of unfinished trials, and of finished ones with their run time. */
  flopsLeft: number;
  flopsDone: number;
  secondsDone: number;
  firstStartedAt: number | null;
  lastFinishedAt: number | null;
}

export interface ResultRow {
  sweep: string;
  trial: string;
  /** The config group (normalised config without the seed): what aggregates pool. */
  group: string | null;
  status: TrialStatus;
  objective: string;
  layers: number;
  k: number;
  /** Groups of K samples (miwae, piwae) and ciwae's ELBO weight; null for the other objectives. */
  m: number | null;
  beta: number | null;
  latent: number;
  seed: number;
  batchSize: number;
  trainSize: number;
  epochs: number;
  epochsDone: number;
  attempts: number;
  testNll: number | null;
  testBound: number | null;
  evalK: number | null;
  /** L_k on the test set for the extra k values, by k. */
  testBoundsByK: Record<string, number>;
  trainBound: number | null;
  activeUnits: number | null;
  activeUnitsPerLayer: number[] | null;
  examplesPerSecond: number | null;
  trainSeconds: number | null;
  evalSeconds: number | null;
  backend: string | null;
  host: string | null;
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  /** Where and why the sweep's stopping rule stopped the trial (status stopped). */
  stopEpoch: number | null;
  stopReason: string | null;
  /** Gradient SNR after training (trials with gradSnr): mean and median over the encoder's and the decoder's parameters. */
  snrEncoderMean: number | null;
  snrEncoderMedian: number | null;
  snrDecoderMean: number | null;
  snrDecoderMedian: number | null;
  /** Live fields, for progress views. */
  worker: string | null;
  phase: string | null;
  lastTrainBound: number | null;
  updatedAt: number;
  /** "sweep/trial" of the original when this trial's result was copied from it (`--reuse`). */
  reusedFrom: string | null;
  /** Every trial-config field by its column name (see CONFIG_COLUMNS), numbers as numbers. */
  config: Record<string, ConfigValue>;
}

export interface ResultsQuery {
  sweepId?: string | undefined;
  where?: Condition[];
  sort?: SortKey[];
  limit?: number;
  offset?: number;
}

export interface PaperTableRow {
  /** The config group: trials whose normalised configs differ only by seed. */
  groupId: string;
  layers: number;
  objective: string;
  k: number;
  latent: number;
  trials: number;
  nllMean: number;
  nllSd: number | null;
  unitsMean: number;
  unitsSd: number | null;
  /** Active units per layer, averaged over seeds ("20+6" style), data side first. */
  unitsPerLayerMean: number[];
  /** Mean over seeds of the jackknife estimate of log p(x) (not a bound); null if none recorded it. */
  jackknifeMean: number | null;
  /** Mean over seeds of the per-trial mean and median effective sample size of the evalK weights. */
  essMeanMean: number | null;
  essMedianMean: number | null;
}

/** A finished trial's gradient SNR after training (mean and median over each part's parameters). */
export interface TrialSnrRow {
  groupId: string;
  trialId: string;
  k: number;
  encoderMean: number | null;
  encoderMedian: number | null;
  decoderMean: number | null;
  decoderMedian: number | null;
}

/** A config group's means at one epoch: nulls where no trial recorded the figure. */
export interface GroupEpochRow {
  groupId: string;
  epoch: number;
  /** The training objective (as trained: ELBO estimate for vae, L_K for iwae). */
  bound: number;
  trials: number;
  /** "train ELBO (L_1 est.)". */
  trainElbo: number | null;
  /** "train L_K" at the trial's K. */
  trainIwae: number | null;
  /** L_validationK on the held-out images. */
  validationBound: number | null;
}

export interface SweepRunInfo {
  hosts: string[];
  backends: string[];
  gitShas: string[];
  trainSeconds: number;
  evalSeconds: number;
}

/** What the aggregates need to know about a trial when one of its epochs or its result lands. */
export interface ModelOf {
  sweepId: string;
  groupId: string;
  layers: number;
  objective: Objective;
  k: number;
  latent: number;
  host: string | null;
  gitSha: string | null;
}
