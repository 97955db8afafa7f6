import {
  configGroupId,
  type EpochMetrics,
  ERROR_TEXT_LIMITS,
  epochMetricsSchema,
  type GradientSnrResult,
  normalizeTrialConfig,
  type PlannedTrial,
  stableStringify,
  type TrialResult,
  totalEpochs,
  trialId,
  trialResultSchema,
  truncateText,
} from '@iwae-sweep/core';
import { and, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Aggregates } from './aggregates.ts';
import { type DbConnection, validate } from './connection.ts';
import type { ModelOf, SweepInput, TrialStart } from './db-types.ts';
import { UnknownEntityError } from './errors.ts';
import { epochs, sweeps, type TrialStatus, trialConfigs, trials } from './schema.ts';
import { decodeTrialConfig } from './trial-config-codec.ts';

/** The four SNR columns (trials and epochs have the same ones), null where it was not measured. */
const snrColumns = (snr: GradientSnrResult | undefined) => ({
  snrEncoderMean: snr?.encoder.mean ?? null,
  snrEncoderMedian: snr?.encoder.median ?? null,
  snrDecoderMean: snr?.decoder.mean ?? null,
  snrDecoderMedian: snr?.decoder.median ?? null,
});

/**
 * Every write of sweeps, trials and epochs. Idempotent: recording the same epoch or result twice
 * changes nothing, and a finished trial is never reopened. Inputs are validated before anything
 * is written.
 */
export class TrialWrites {
  private stmts: ReturnType<TrialWrites['prepare']> | undefined;

  constructor(
    private readonly conn: DbConnection,
    private readonly aggregates: Aggregates,
  ) {}

  /** The writes that run per event (epochs, starts), prepared once: compiling them per call cost ~10× the write. */
  private get st() {
    this.stmts ??= this.prepare();
    return this.stmts;
  }

  private prepare() {
    const { db, sqlite } = this.conn;
    const p = sql.placeholder;
    return {
      modelOf: sqlite.prepare(
        'select sweep_id as sweepId, group_id as groupId, layers, objective, k, latent, host, git_sha as gitSha from trials where id = ?',
      ),
      started: db
        .update(trials)
        .set({
          status: 'running',
          attempts: sql`${trials.attempts} + 1`,
          phase: 'loading',
          startedAt: sql`${p('now')}`,
          finishedAt: null,
          host: sql`${p('host')}`,
          backend: sql`${p('backend')}`,
          workerId: sql`${p('workerId')}`,
          gitSha: sql`${p('gitSha')}`,
          error: null,
          errorStack: null,
          updatedAt: sql`${p('now')}`,
        })
        .where(and(eq(trials.id, sql.placeholder('id')), ne(trials.status, 'done')))
        .prepare(),
      phase: db
        .update(trials)
        .set({
          phase: sql`${p('phase')}`,
          backend: sql`coalesce(${p('backend')}, ${trials.backend})`,
          updatedAt: sql`${p('now')}`,
        })
        .where(and(eq(trials.id, sql.placeholder('id')), ne(trials.status, 'done')))
        .prepare(),
      insertEpoch: db
        .insert(epochs)
        .values({
          trialId: p('trialId'),
          epoch: p('epoch'),
          trainBound: p('trainBound'),
          trainElbo: p('trainElbo'),
          trainIwae: p('trainIwae'),
          validationBound: p('validationBound'),
          snrEncoderMean: p('snrEncoderMean'),
          snrEncoderMedian: p('snrEncoderMedian'),
          snrDecoderMean: p('snrDecoderMean'),
          snrDecoderMedian: p('snrDecoderMedian'),
          seconds: p('seconds'),
          examplesPerSecond: p('examplesPerSecond'),
          learningRate: p('learningRate'),
          recordedAt: p('now'),
        })
        .onConflictDoNothing()
        .prepare(),
      epochProgress: db
        .update(trials)
        // An epoch means the trial is training: workers send no separate event for that phase.
        .set({
          epochsDone: sql`${p('epoch')}`,
          lastTrainBound: sql`${p('trainBound')}`,
          phase: 'training',
          updatedAt: sql`${p('now')}`,
        })
        .where(and(eq(trials.id, sql.placeholder('id')), sql`${trials.epochsDone} < ${p('epoch')}`))
        .prepare(),
    };
  }

  /** The trial's model, for the aggregates; a write naming an unknown trial is refused. */
  requireTrial(trialId: string): ModelOf {
    const row = this.st.modelOf.get(trialId) as ModelOf | undefined;
    if (!row) throw new UnknownEntityError('trial', trialId);
    return row;
  }

  /** Creates a sweep, or updates its spec and description if it exists. */
  saveSweep(input: SweepInput, now = Date.now()): void {
    const specJson = stableStringify(input.spec);
    this.conn.guard(`saving sweep ${input.id}`, () =>
      this.conn.db
        .insert(sweeps)
        .values({
          id: input.id,
          description: input.description ?? null,
          specJson,
          mode: input.mode,
          gitSha: input.gitSha ?? null,
          host: input.host ?? null,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoUpdate({
          target: sweeps.id,
          set: {
            description: input.description ?? null,
            specJson,
            mode: input.mode,
            gitSha: input.gitSha ?? null,
            updatedAt: now,
          },
        })
        .run(),
    );
  }

  setSweepState(sweepId: string, state: 'active' | 'paused' | 'cancelled', now = Date.now()): void {
    const res = this.conn.guard(`setting sweep ${sweepId} ${state}`, () =>
      this.conn.db.update(sweeps).set({ state, updatedAt: now }).where(eq(sweeps.id, sweepId)).run(),
    );
    if (res.changes === 0) throw new UnknownEntityError('sweep', sweepId);
  }

  /** Adds a sweep's trials; trials already there (same id) are left as they are. */
  addTrials(sweepId: string, planned: PlannedTrial[], now = Date.now()): { added: number; existing: number } {
    const { db, sqlite } = this.conn;
    let added = 0;
    this.conn.guard(`adding ${planned.length} trials to ${sweepId}`, () =>
      sqlite.transaction(() => {
        for (let i = 0; i < planned.length; i += 500) {
          const chunk = planned.slice(i, i + 500);
          const rows = chunk.map((t) => ({
            id: t.id,
            sweepId,
            objective: t.config.objective,
            m: t.config.m ?? null,
            beta: t.config.beta ?? null,
            k: t.config.k,
            latent: t.config.latent,
            layers: t.config.layers,
            seed: t.config.seed,
            batchSize: t.config.batchSize,
            trainSize: t.config.trainSize,
            epochsTotal: totalEpochs(t.config.schedule),
            flops: t.flops,
            groupId: configGroupId(t.config),
            queuedAt: now,
            updatedAt: now,
          }));
          added += db.insert(trials).values(rows).onConflictDoNothing().run().changes;
          db.insert(trialConfigs)
            .values(chunk.map((t) => ({ trialId: t.id, configJson: stableStringify(t.config) })))
            .onConflictDoNothing()
            .run();
        }
      })(),
    );
    return { added, existing: planned.length - added };
  }

  /** A worker took the trial: count the attempt. A finished trial stays finished. */
  trialStarted(trialId: string, info: TrialStart = {}, now = Date.now()): void {
    this.requireTrial(trialId);
    this.conn.guard(`marking ${trialId} running`, () =>
      this.st.started.run({
        id: trialId,
        now,
        host: info.host ?? null,
        backend: info.backend ?? null,
        workerId: info.workerId ?? null,
        gitSha: info.gitSha ?? null,
      }),
    );
  }

  trialPhase(trialId: string, phase: string, info: { backend?: string } = {}, now = Date.now()): void {
    this.conn.guard(`recording phase of ${trialId}`, () =>
      this.st.phase.run({ id: trialId, phase, backend: info.backend ?? null, now }),
    );
  }

  /** Records an epoch; returns false if it was already recorded (nothing changes then). */
  recordEpoch(trialId: string, metrics: EpochMetrics, now = Date.now()): boolean {
    const m = validate(epochMetricsSchema, metrics, `epoch metrics for trial ${trialId}`);
    const model = this.requireTrial(trialId);
    return this.conn.guard(`recording epoch ${m.epoch} of ${trialId}`, () =>
      this.conn.sqlite.transaction(() => this.insertEpoch(trialId, model, m, now))(),
    );
  }

  private insertEpoch(trialId: string, model: ModelOf, m: EpochMetrics, now: number): boolean {
    const inserted =
      this.st.insertEpoch.run({
        trialId,
        ...m,
        trainElbo: m.trainElbo ?? null,
        trainIwae: m.trainIwae ?? null,
        validationBound: m.validationBound ?? null,
        ...snrColumns(m.gradientSnr),
        now,
      }).changes > 0;
    if (inserted) {
      this.st.epochProgress.run({ id: trialId, epoch: m.epoch, trainBound: m.trainBound, now });
      this.aggregates.addEpoch(model, m);
    }
    return inserted;
  }

  /**
   * Records a finished trial: its result, per-K bounds and every epoch of its history (filling
   * any epoch whose message was lost). Returns false if the result was already recorded.
   */
  recordResult(trialId: string, result: TrialResult, now = Date.now()): boolean {
    const r = validate(trialResultSchema, result, `result of trial ${trialId}`);
    const model = this.requireTrial(trialId);
    return this.conn.guard(`recording the result of ${trialId}`, () =>
      this.conn.sqlite.transaction(() => {
        for (const m of r.epochs) this.insertEpoch(trialId, model, m, now);
        // Only the first result counts; a duplicate (at-least-once delivery) changes nothing.
        const inserted =
          this.conn.db
            .update(trials)
            .set({
              testNll: r.testNll,
              testBound: r.testBound,
              evalK: r.evalK,
              trainBound: r.trainBound,
              activeUnits: r.activeUnits,
              activeUnitsPerLayer: JSON.stringify(r.activeUnitsPerLayer),
              testBounds: JSON.stringify(r.testBoundsByK),
              testJackknife: r.testJackknife ?? null,
              testEssMean: r.testEssMean ?? null,
              testEssMedian: r.testEssMedian ?? null,
              runtime: r.runtime ? JSON.stringify(r.runtime) : null,
              examplesPerSecond: r.examplesPerSecond,
              trainSeconds: r.trainSeconds,
              evalSeconds: r.evalSeconds,
              gradient: r.gradient,
              ...snrColumns(r.gradientSnr),
              resumedFromEpoch: r.resumedFromEpoch,
              resultRecordedAt: now,
              status: 'done',
              phase: 'done',
              epochsDone: r.epochs.length,
              lastTrainBound: r.trainBound,
              backend: r.backend,
              error: null,
              errorStack: null,
              finishedAt: now,
              updatedAt: now,
            })
            .where(and(eq(trials.id, trialId), sql`${trials.resultRecordedAt} is null`))
            .run().changes > 0;
        if (inserted) this.aggregates.addResult(model, r);
        return inserted;
      })(),
    );
  }

  /** Records a failure: final (status failed) or to be retried (back to queued). */
  trialFailed(
    trialId: string,
    error: { message: string; stack?: string | undefined },
    opts: { final: boolean },
    now = Date.now(),
  ): void {
    this.requireTrial(trialId);
    this.conn.guard(`recording the failure of ${trialId}`, () =>
      this.conn.db
        .update(trials)
        .set({
          status: opts.final ? 'failed' : 'queued',
          // Capped here too: whatever the writer, the DB never keeps a 5 MB message.
          error: truncateText(error.message, ERROR_TEXT_LIMITS.message),
          errorStack: error.stack === undefined ? null : truncateText(error.stack, ERROR_TEXT_LIMITS.stack),
          finishedAt: opts.final ? now : null,
          updatedAt: now,
        })
        .where(and(eq(trials.id, trialId), ne(trials.status, 'done')))
        .run(),
    );
  }

  /**
   * Unfinished trials of a sweep that the current normalisation names differently (e.g. an IWAE
   * with K=1 queued before it became the VAE's trial) and whose new id is in the plan: they would
   * wait forever, since runners only run the plan. They are cancelled, saying which trial computes
   * them now. Finished ones keep their results. Returns how many were retired.
   */
  retireRenamedTrials(sweepId: string, planIds: ReadonlySet<string>, now = Date.now()): number {
    const rows = this.conn.sqlite
      .prepare(
        `select t.id, c.config_json as configJson from trials t join trial_configs c on c.trial_id = t.id
          where t.sweep_id = ? and t.status in ('queued', 'running', 'failed')`,
      )
      .all(sweepId) as { id: string; configJson: string }[];
    const retire = this.conn.sqlite.prepare(
      "update trials set status = 'cancelled', error = ?, finished_at = ?, updated_at = ? where id = ? and status != 'done'",
    );
    let retired = 0;
    this.conn.guard(`retiring renamed trials of ${sweepId}`, () =>
      this.conn.sqlite.transaction(() => {
        for (const r of rows) {
          if (planIds.has(r.id)) continue;
          const nowId = trialId(sweepId, normalizeTrialConfig(decodeTrialConfig(r.configJson, r.id)));
          if (nowId === r.id || !planIds.has(nowId)) continue;
          retired += retire.run(
            `superseded by ${nowId}: the same computation under the current config normalisation`,
            now,
            now,
            r.id,
          ).changes;
        }
      })(),
    );
    return retired;
  }

  /** Sets the status of unfinished trials (requeue after a crash, cancel…); returns how many changed. */
  setTrialStatus(trialIds: string[], status: Exclude<TrialStatus, 'done'>, now = Date.now()): number {
    let changed = 0;
    this.conn.guard(`setting ${trialIds.length} trials ${status}`, () =>
      this.conn.sqlite.transaction(() => {
        for (let i = 0; i < trialIds.length; i += 500) {
          changed += this.conn.db
            .update(trials)
            .set({ status, updatedAt: now, ...(status === 'cancelled' ? { finishedAt: now } : {}) })
            .where(and(inArray(trials.id, trialIds.slice(i, i + 500)), ne(trials.status, 'done')))
            .run().changes;
        }
      })(),
    );
    return changed;
  }
}
