import { CONFIG_COLUMNS } from './config-columns.ts';

/** Result and progress columns of a trial (not config fields), and their SQL over `trials t`. */
const TRIAL_COLUMNS = {
  sweep: 't.sweep_id',
  trial: 't.id',
  group: 't.group_id',
  status: 't.status',
  epochs: 't.epochs_total',
  epochsDone: 't.epochs_done',
  stopEpoch: 't.stop_epoch',
  attempts: 't.attempts',
  testNll: 't.test_nll',
  testBound: 't.test_bound',
  trainBound: 't.train_bound',
  activeUnits: 't.active_units',
  examplesPerSecond: 't.examples_per_second',
  trainSeconds: 't.train_seconds',
  evalSeconds: 't.eval_seconds',
  // Gradient SNR after training (gradSnr): mean and median over each part's parameters.
  snrEncoderMean: 't.snr_encoder_mean',
  snrEncoderMedian: 't.snr_encoder_median',
  snrDecoderMean: 't.snr_decoder_mean',
  snrDecoderMedian: 't.snr_decoder_median',
  backend: 't.backend',
  host: 't.host',
  worker: 't.worker_id',
  phase: 't.phase',
  lastTrainBound: 't.last_train_bound',
  startedAt: 't.started_at',
  finishedAt: 't.finished_at',
  updatedAt: 't.updated_at',
  /** "sweep/trial" of the original whose result a reused trial copies; null for trials that trained. */
  reusedFrom: "(select r.sweep_id || '/' || r.id from trials r where r.id = t.reused_from)",
} as const;

/**
 * The whitelist of columns of the results view a user may filter and sort on, and their SQL
 * over `trials t` joined with `trial_configs c`: every trial-config field (derived from its
 * schema) and the trial's result and progress columns, under one set of names used by the CLI,
 * CSV/JSON, the dashboard and the `results` SQL view. The DB owns it; the `--where`/`--sort`
 * grammar only names them.
 */
export const RESULT_COLUMNS: Readonly<Record<string, string>> = Object.freeze(
  // No prototype: `constructor` or `toString` must not pass as column names.
  Object.assign(
    Object.create(null) as Record<string, string>,
    Object.fromEntries(CONFIG_COLUMNS.map((c) => [c.name, c.sql])),
    TRIAL_COLUMNS,
  ),
);
export type ResultColumn = string;
