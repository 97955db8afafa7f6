import { OBJECTIVES } from '@iwae-sweep/core';
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

/** `stopped`: ended early by the sweep's stopping rule (its checkpoint kept, it can be resumed). */
export const TRIAL_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled', 'stopped'] as const;
export type TrialStatus = (typeof TRIAL_STATUSES)[number];

export const trials = sqliteTable(
  'trials',
  {
    id: text('id').primaryKey(),
    sweepId: text('sweep_id')
      .notNull()
      .references(() => sweeps.id),
    objective: text('objective', { enum: OBJECTIVES }).notNull(),
    k: integer('k').notNull(),
    /** Groups of K samples (miwae, piwae), and ciwae's ELBO weight; null for the other objectives. */
    m: integer('m'),
    beta: real('beta'),
    latent: integer('latent').notNull(),
    layers: integer('layers').notNull(),
    seed: integer('seed').notNull(),
    batchSize: integer('batch_size').notNull(),
    trainSize: integer('train_size').notNull(),
    epochsTotal: integer('epochs_total').notNull(),
    /** Estimated floating-point operations: the order trials start in, and ETAs. */
    flops: real('flops').notNull(),
    /**
     * Hash of the normalised config without the seed: trials with the same group id differ only
     * by seed, so aggregates pool exactly them. Null only on rows written before it existed, until
     * the next writable open fills it in.
     */
    groupId: text('group_id'),
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
    // Why an early-stopped trial stopped: the epoch of the rung, its validation bound there, the rule's words.
    stopEpoch: integer('stop_epoch'),
    stopMetric: real('stop_metric'),
    stopReason: text('stop_reason'),
    // The result, once the trial has finished (1:1 with the trial, so it lives on its row: the
    // results view is then a scan of one table, fast at 100k trials).
    testNll: real('test_nll'),
    testBound: real('test_bound'),
    evalK: integer('eval_k'),
    trainBound: real('train_bound'),
    activeUnits: integer('active_units'),
    /** JSON array, data side first: "[21,5]" for the 2-layer model. */
    activeUnitsPerLayer: text('active_units_per_layer'),
    /** JSON object k → test L_k for the extra k values: {"1":-92.1,"5":-89.7}. */
    testBounds: text('test_bounds'),
    /** Jackknife estimate of log p(x) from the evalK log weights (an estimate, not a bound). */
    testJackknife: real('test_jackknife'),
    /** Effective sample size (Σw)²/Σw² of the evalK weights: mean and median over test images. */
    testEssMean: real('test_ess_mean'),
    testEssMedian: real('test_ess_median'),
    /** JSON RuntimeInfo: tfjs and backend versions, wasm SIMD/threads, kernel digest. */
    runtime: text('runtime'),
    examplesPerSecond: real('examples_per_second'),
    trainSeconds: real('train_seconds'),
    evalSeconds: real('eval_seconds'),
    gradient: text('gradient'),
    /** Gradient SNR at the end of training (trials with gradSnr): mean and median over parameters. */
    snrEncoderMean: real('snr_encoder_mean'),
    snrEncoderMedian: real('snr_encoder_median'),
    snrDecoderMean: real('snr_decoder_mean'),
    snrDecoderMedian: real('snr_decoder_median'),
    resumedFromEpoch: integer('resumed_from_epoch'),
    /**
     * The trial whose result this one copies instead of training (`run/launch --reuse`): a finished
     * trial of another sweep with the same normalised config and seed, run by the same code. Its
     * original, never a copy. Null for trials that trained.
     */
    reusedFrom: text('reused_from'),
    resultRecordedAt: integer('result_recorded_at'),
    queuedAt: integer('queued_at').notNull(),
    startedAt: integer('started_at'),
    finishedAt: integer('finished_at'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    // Covering for sweep summaries (counts, progress, ETA) without reading trial rows.
    index('trials_sweep_status').on(t.sweepId, t.status, t.flops, t.epochsDone, t.epochsTotal, t.startedAt, t.finishedAt),
    index('trials_model').on(t.sweepId, t.layers, t.objective, t.k),
    index('trials_latent').on(t.latent),
    index('trials_nll').on(t.sweepId, t.testNll),
    // Live views poll "what changed since" per sweep.
    index('trials_sweep_updated').on(t.sweepId, t.updatedAt),
    index('trials_seed').on(t.seed),
    index('trials_group').on(t.sweepId, t.groupId),
    // Finding a finished identical trial in any sweep (reuse): same config group and seed.
    index('trials_reuse').on(t.groupId, t.seed, t.status),
    // `status` and the dashboard's workers table: each worker's last resolved backend.
    index('trials_worker').on(t.workerId, t.updatedAt, t.backend),
  ],
);

/**
 * Each trial's normalised config (JSON). Kept apart from `trials` so that scans of many trials
 * (results, reports) read short rows; the indexed model columns on `trials` answer most queries.
 */
export const trialConfigs = sqliteTable('trial_configs', {
  trialId: text('trial_id')
    .primaryKey()
    .references(() => trials.id),
  configJson: text('config_json').notNull(),
});

/**
 * Per-epoch metrics. The migration creates this table WITHOUT ROWID (generate-migration.mjs adds it:
 * drizzle-kit cannot express it), so a trial's epochs are stored together and read in one range scan.
 */
export const epochs = sqliteTable(
  'epochs',
  {
    trialId: text('trial_id')
      .notNull()
      .references(() => trials.id),
    epoch: integer('epoch').notNull(),
    /** The training objective (ELBO estimate for vae, L_K for iwae); see the two below. */
    trainBound: real('train_bound').notNull(),
    /** "train ELBO (L_1 est.)": mean_k log w over the epoch. Null on epochs recorded before it existed. */
    trainElbo: real('train_elbo'),
    /** "train L_K": logsumexp_k log w − log K over the epoch, K = the trial's k. */
    trainIwae: real('train_iwae'),
    /** L_validationK on the held-out images after the epoch (null without validation). */
    validationBound: real('validation_bound'),
    /**
     * Gradient SNR after this epoch, on the epochs where the trial measured it (gradSnr, every
     * gradSnrEvery epochs and the last): mean and median over parameters; null on the others.
     */
    snrEncoderMean: real('snr_encoder_mean'),
    snrEncoderMedian: real('snr_encoder_median'),
    snrDecoderMean: real('snr_decoder_mean'),
    snrDecoderMedian: real('snr_decoder_median'),
    seconds: real('seconds').notNull(),
    examplesPerSecond: real('examples_per_second').notNull(),
    learningRate: real('learning_rate').notNull(),
    recordedAt: integer('recorded_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.trialId, t.epoch] }), index('epochs_recorded').on(t.recordedAt)],
);

/**
 * The early-stopping record: a trial's validation bound at each rung it reached and what the
 * rule decided there. The rule compares a trial with those recorded at the same epoch of the same
 * sweep before it, in arrival order (rowid order), so this table is what makes it reproducible.
 */
export const trialRungs = sqliteTable(
  'trial_rungs',
  {
    sweepId: text('sweep_id').notNull(),
    trialId: text('trial_id')
      .notNull()
      .references(() => trials.id),
    epoch: integer('epoch').notNull(),
    /** 0-based rung (ASHA), or the epoch's index from minEpochs (median rule). */
    rung: integer('rung').notNull(),
    /** The validation bound L_validationK at this epoch (nats; higher is better). */
    metric: real('metric').notNull(),
    stop: integer('stop', { mode: 'boolean' }).notNull(),
    reason: text('reason').notNull(),
    decidedAt: integer('decided_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.trialId, t.epoch] }), index('trial_rungs_sweep_epoch').on(t.sweepId, t.epoch)],
);

/*
 * Aggregates kept up to date as results and epochs are recorded (in the same transaction, and
 * only when the row is new, so at-least-once delivery cannot count twice). Reports and the
 * dashboard read these: their cost grows with the number of configurations, not of trials.
 * They pool trials by group (the whole normalised config but the seed), never by a coarser key:
 * trials that differ in learning rate or width are not seeds of one model.
 */
const groupColumns = {
  sweepId: text('sweep_id').notNull(),
  groupId: text('group_id').notNull(),
};

/** Per group: the model fields for display, and sums over finished trials for means and sds. */
export const groupStats = sqliteTable(
  'group_stats',
  {
    ...groupColumns,
    layers: integer('layers').notNull(),
    objective: text('objective').notNull(),
    k: integer('k').notNull(),
    latent: integer('latent').notNull(),
    trials: integer('trials').notNull(),
    nllSum: real('nll_sum').notNull(),
    nllSq: real('nll_sq').notNull(),
    unitsSum: real('units_sum').notNull(),
    unitsSq: real('units_sq').notNull(),
    /** Active units of z1 and z2 (2-layer models), summed. */
    units1Sum: real('units1_sum').notNull(),
    units2Sum: real('units2_sum').notNull(),
    trainSeconds: real('train_seconds').notNull(),
    evalSeconds: real('eval_seconds').notNull(),
    /** Sums over the finished trials that recorded them (estimatesN of them): jackknife and ESS. */
    jackknifeSum: real('jackknife_sum').notNull().default(0),
    essMeanSum: real('ess_mean_sum').notNull().default(0),
    essMedianSum: real('ess_median_sum').notNull().default(0),
    estimatesN: integer('estimates_n').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.sweepId, t.groupId] })],
);

/** Per group and evaluation k: sum of the test bounds L_k (for bound-vs-K curves). */
export const groupBounds = sqliteTable(
  'group_bounds',
  {
    ...groupColumns,
    evalK: integer('eval_k').notNull(),
    boundSum: real('bound_sum').notNull(),
    n: integer('n').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sweepId, t.groupId, t.evalK] })],
);

/** Per group and epoch: sum of the training bounds (for learning curves). */
export const groupEpochs = sqliteTable(
  'group_epochs',
  {
    ...groupColumns,
    epoch: integer('epoch').notNull(),
    boundSum: real('bound_sum').notNull(),
    n: integer('n').notNull(),
    /** Sums of both training bounds over the trials whose epoch recorded them (trainN of them). */
    elboSum: real('elbo_sum').notNull().default(0),
    iwaeSum: real('iwae_sum').notNull().default(0),
    trainN: integer('train_n').notNull().default(0),
    validationSum: real('validation_sum').notNull().default(0),
    validationN: integer('validation_n').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.sweepId, t.groupId, t.epoch] })],
);

/** Where and with what a sweep's trials ran: hosts, backends, code versions. */
export const sweepRuns = sqliteTable(
  'sweep_runs',
  {
    sweepId: text('sweep_id').notNull(),
    host: text('host').notNull(),
    backend: text('backend').notNull(),
    gitSha: text('git_sha').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sweepId, t.host, t.backend, t.gitSha] })],
);
