/**
 * The whitelist of columns of the results view a user may filter and sort on, and their SQL
 * (the DB owns it; the `--where`/`--sort` grammar only names them).
 */
export const RESULT_COLUMNS = {
  sweep: 't.sweep_id',
  trial: 't.id',
  status: 't.status',
  objective: 't.objective',
  layers: 't.layers',
  k: 't.k',
  latent: 't.latent',
  seed: 't.seed',
  batchSize: 't.batch_size',
  trainSize: 't.train_size',
  epochs: 't.epochs_total',
  epochsDone: 't.epochs_done',
  attempts: 't.attempts',
  testNll: 't.test_nll',
  testBound: 't.test_bound',
  evalK: 't.eval_k',
  trainBound: 't.train_bound',
  activeUnits: 't.active_units',
  examplesPerSecond: 't.examples_per_second',
  backend: 't.backend',
  host: 't.host',
  worker: 't.worker_id',
  phase: 't.phase',
  lastTrainBound: 't.last_train_bound',
  updatedAt: 't.updated_at',
} as const;
export type ResultColumn = keyof typeof RESULT_COLUMNS;
