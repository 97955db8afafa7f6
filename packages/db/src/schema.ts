import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The results database. This file is the source of truth: `pnpm --filter @iwae-sweep/db generate`
 * writes the SQL migrations in ../drizzle, which are committed and applied when a DB is opened.
 * Times are Unix milliseconds.
 */

export const sweeps = sqliteTable('sweeps', {
  id: text('id').primaryKey(),
  description: text('description'),
  /** The spec as loaded (JSON), so a report can show what was asked for. */
  specJson: text('spec_json').notNull(),
  /** local (process pool here) or redis (queued for workers). */
  mode: text('mode', { enum: ['local', 'redis'] }).notNull(),
  /** Set by `cancel`/`pause`; derived counts come from the trials. */
  state: text('state', { enum: ['active', 'paused', 'cancelled'] })
    .notNull()
    .default('active'),
  gitSha: text('git_sha'),
  host: text('host'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const TRIAL_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type TrialStatus = (typeof TRIAL_STATUSES)[number];

export const trials = sqliteTable(
  'trials',
  {
    id: text('id').primaryKey(),
    sweepId: text('sweep_id')
      .notNull()
      .references(() => sweeps.id),
    configJson: text('config_json').notNull(),
    objective: text('objective', { enum: ['vae', 'iwae'] }).notNull(),
    k: integer('k').notNull(),
    latent: integer('latent').notNull(),
    layers: integer('layers').notNull(),
    seed: integer('seed').notNull(),
    batchSize: integer('batch_size').notNull(),
    trainSize: integer('train_size').notNull(),
    epochsTotal: integer('epochs_total').notNull(),
    /** Estimated floating-point operations: the order trials start in, and ETAs. */
    flops: real('flops').notNull(),
    status: text('status', { enum: TRIAL_STATUSES }).notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    /** Last phase reported by the worker: loading, training, evaluating, done. */
    phase: text('phase'),
    epochsDone: integer('epochs_done').notNull().default(0),
    lastTrainBound: real('last_train_bound'),
    host: text('host'),
    backend: text('backend'),
    workerId: text('worker_id'),
    gitSha: text('git_sha'),
    error: text('error'),
    errorStack: text('error_stack'),
    queuedAt: integer('queued_at').notNull(),
    startedAt: integer('started_at'),
    finishedAt: integer('finished_at'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    index('trials_sweep_status').on(t.sweepId, t.status),
    index('trials_model').on(t.sweepId, t.layers, t.objective, t.k),
    index('trials_latent').on(t.latent),
    index('trials_seed').on(t.seed),
  ],
);

export const epochs = sqliteTable(
  'epochs',
  {
    trialId: text('trial_id')
      .notNull()
      .references(() => trials.id),
    epoch: integer('epoch').notNull(),
    trainBound: real('train_bound').notNull(),
    seconds: real('seconds').notNull(),
    examplesPerSecond: real('examples_per_second').notNull(),
    learningRate: real('learning_rate').notNull(),
    recordedAt: integer('recorded_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.trialId, t.epoch] })],
);

export const results = sqliteTable('results', {
  trialId: text('trial_id')
    .primaryKey()
    .references(() => trials.id),
  testNll: real('test_nll').notNull(),
  testBound: real('test_bound').notNull(),
  evalK: integer('eval_k').notNull(),
  trainBound: real('train_bound').notNull(),
  activeUnits: integer('active_units').notNull(),
  /** JSON array, data side first: "[21,5]" for the 2-layer model. */
  activeUnitsPerLayer: text('active_units_per_layer').notNull(),
  examplesPerSecond: real('examples_per_second').notNull(),
  trainSeconds: real('train_seconds').notNull(),
  evalSeconds: real('eval_seconds').notNull(),
  backend: text('backend').notNull(),
  gradient: text('gradient').notNull(),
  resumedFromEpoch: integer('resumed_from_epoch').notNull(),
  recordedAt: integer('recorded_at').notNull(),
});

/** Test bound L_k for the extra k values a trial was asked for (estimated from the evalK samples). */
export const testBounds = sqliteTable(
  'test_bounds',
  {
    trialId: text('trial_id')
      .notNull()
      .references(() => trials.id),
    k: integer('k').notNull(),
    bound: real('bound').notNull(),
  },
  (t) => [primaryKey({ columns: [t.trialId, t.k] })],
);
