import { configGroupId, identityForm, stableStringify, type TrialConfig } from '@iwae-sweep/core';
import { getTableColumns } from 'drizzle-orm';
import type { Aggregates } from './aggregates.ts';
import type { DbConnection } from './connection.ts';
import type { ModelOf } from './db-types.ts';
import { epochs } from './schema.ts';
import { decodeTrialConfig } from './trial-config-codec.ts';

/** What a reused trial must share with its original besides the config and seed. */
export interface ReuseRules {
  /** The code version that would train it (git commit, with a digest of uncommitted changes). */
  gitSha: string;
  /** The backends that could train it: the one the run pins, or those `auto` may pick. */
  backends: readonly string[];
}

/** A trial of a sweep that a finished identical trial of another sweep can fill. */
export interface ReuseMatch {
  trialId: string;
  /** The original: the trial that trained (never itself a copy). */
  fromSweep: string;
  fromTrial: string;
  /** The finished row the result is copied from (the original, or a copy of it). */
  sourceId: string;
}

/**
 * The trials columns a finished trial's outcome lives in: what recordResult writes from a
 * TrialResult, and where it ran. A copy takes all of them; the reuse test compares every column
 * of a copy with a trained twin, so a result column added later and missing here fails it.
 */
const OUTCOME_COLUMNS = [
  'test_nll',
  'test_bound',
  'eval_k',
  'train_bound',
  'active_units',
  'active_units_per_layer',
  'test_bounds',
  'test_jackknife',
  'test_ess_mean',
  'test_ess_median',
  'runtime',
  'examples_per_second',
  'train_seconds',
  'eval_seconds',
  'gradient',
  'snr_encoder_mean',
  'snr_encoder_median',
  'snr_decoder_mean',
  'snr_decoder_median',
  'resumed_from_epoch',
  'epochs_done',
  'last_train_bound',
  'host',
  'backend',
  'git_sha',
] as const;

/** Every column of an epoch but its trial and when it was recorded (a column added there is copied too). */
const EPOCH_COPY = Object.values(getTableColumns(epochs))
  .map((c) => c.name)
  .filter((name) => name !== 'trial_id' && name !== 'recorded_at')
  .join(', ');

interface SourceRow {
  id: string;
  sweepId: string;
  reusedFrom: string | null;
  configJson: string;
}

interface EpochCopy {
  epoch: number;
  trainBound: number;
  trainElbo: number | null;
  trainIwae: number | null;
  validationBound: number | null;
  seconds: number;
  examplesPerSecond: number;
  learningRate: number;
}

/**
 * Reuse of finished trials across sweeps. Runs are deterministic, so a trial whose normalised
 * config and seed equal those of a trial that finished in another sweep, under the same code
 * version (and backend, when the run pins one), would compute the very same numbers: its result
 * and epochs are copied instead, and the copy names its original. Only finished trials with a
 * recorded result are sources: never failed, stopped, cancelled or unfinished ones.
 */
export class TrialReuse {
  constructor(
    private readonly conn: DbConnection,
    private readonly aggregates: Aggregates,
  ) {}

  /** Which of these trials (of `sweepId`) a finished identical trial elsewhere can fill. Reads only. */
  find(sweepId: string, trials: readonly { id: string; config: TrialConfig }[], rules: ReuseRules): ReuseMatch[] {
    return this.search(sweepId, trials, rules);
  }

  /**
   * Finished identical trials of other sweeps whatever code or backend computed them: not for
   * reuse, only to tell a user why a trial that has a twin still trains.
   */
  findAnyVersion(sweepId: string, trials: readonly { id: string; config: TrialConfig }[]): ReuseMatch[] {
    return this.search(sweepId, trials, undefined);
  }

  private search(sweepId: string, trials: readonly { id: string; config: TrialConfig }[], rules: ReuseRules | undefined) {
    const sources = this.conn.sqlite.prepare(
      `select s.id, s.sweep_id as sweepId, s.reused_from as reusedFrom, c.config_json as configJson
         from trials s join trial_configs c on c.trial_id = s.id
        where s.group_id = ? and s.seed = ? and s.status = 'done' and s.result_recorded_at is not null
          and s.sweep_id != ? ${rules ? 'and s.git_sha = ?' : ''} ${rules ? `and s.backend in (${rules.backends.map(() => '?').join(', ')})` : ''}
        order by s.reused_from is not null, s.result_recorded_at, s.id limit 20`,
    );
    const originOf = this.conn.sqlite.prepare('select sweep_id as sweepId from trials where id = ?');
    const matches: ReuseMatch[] = [];
    for (const t of trials) {
      const identity = stableStringify(identityForm(t.config));
      const params = [
        configGroupId(t.config),
        t.config.seed,
        sweepId,
        ...(rules ? [rules.gitSha] : []),
        ...(rules ? rules.backends : []),
      ];
      // The group id is a hash prefix: the whole normalised config decides, as for trial ids.
      const source = (sources.all(...params) as SourceRow[]).find(
        (s) => stableStringify(identityForm(decodeTrialConfig(s.configJson, s.id))) === identity,
      );
      if (!source) continue;
      const fromTrial = source.reusedFrom ?? source.id;
      const origin = source.reusedFrom ? (originOf.get(source.reusedFrom) as { sweepId: string } | undefined) : source;
      matches.push({ trialId: t.id, fromSweep: origin?.sweepId ?? source.sweepId, fromTrial, sourceId: source.id });
    }
    return matches;
  }

  /**
   * Copies each match's result and epochs into its trial, which must still be queued and never
   * started (else it is left alone), and adds them to the sweep's aggregates. Returns the trials
   * that became copies.
   */
  apply(matches: readonly ReuseMatch[], now = Date.now()): string[] {
    const { sqlite } = this.conn;
    const assignments = OUTCOME_COLUMNS.map((c) => `${c} = s.${c}`).join(', ');
    const copyRow = sqlite.prepare(
      `update trials set ${assignments}, status = 'done', phase = 'done', error = null, error_stack = null,
              worker_id = null, reused_from = @fromTrial, started_at = @now, finished_at = @now,
              result_recorded_at = @now, updated_at = @now
         from (select * from trials where id = @sourceId) s
        where trials.id = @trialId and trials.status = 'queued' and trials.attempts = 0 and trials.result_recorded_at is null`,
    );
    const copyEpochs = sqlite.prepare(
      `insert or ignore into epochs (trial_id, ${EPOCH_COPY}, recorded_at)
       select @trialId, ${EPOCH_COPY}, @now from epochs where trial_id = @sourceId`,
    );
    const epochsOf = sqlite.prepare(
      `select epoch, train_bound as trainBound, train_elbo as trainElbo, train_iwae as trainIwae,
              validation_bound as validationBound, seconds, examples_per_second as examplesPerSecond,
              learning_rate as learningRate
         from epochs where trial_id = ? order by epoch`,
    );
    const modelOf = sqlite.prepare(
      'select sweep_id as sweepId, group_id as groupId, layers, objective, k, latent, host, git_sha as gitSha from trials where id = ?',
    );
    const outcomeOf = sqlite.prepare(
      `select test_nll as testNll, test_bound as testBound, eval_k as evalK, test_bounds as testBounds,
              active_units as activeUnits, active_units_per_layer as perLayer, train_seconds as trainSeconds,
              eval_seconds as evalSeconds, test_jackknife as jackknife, test_ess_mean as essMean,
              test_ess_median as essMedian, backend from trials where id = ?`,
    );
    const copied: string[] = [];
    this.conn.guard(`copying ${matches.length} reused trial results`, () =>
      sqlite.transaction(() => {
        for (const m of matches) {
          if (copyRow.run({ ...m, now }).changes === 0) continue;
          copyEpochs.run({ trialId: m.trialId, sourceId: m.sourceId, now });
          const model = modelOf.get(m.trialId) as ModelOf;
          for (const e of epochsOf.all(m.trialId) as EpochCopy[]) {
            this.aggregates.addEpoch(model, {
              ...e,
              trainElbo: e.trainElbo ?? undefined,
              trainIwae: e.trainIwae ?? undefined,
              validationBound: e.validationBound ?? undefined,
            });
          }
          const o = outcomeOf.get(m.trialId) as OutcomeRow;
          this.aggregates.addResult(model, {
            testNll: o.testNll,
            testBound: o.testBound,
            evalK: o.evalK,
            testBoundsByK: o.testBounds ? (JSON.parse(o.testBounds) as Record<string, number>) : {},
            activeUnits: o.activeUnits,
            activeUnitsPerLayer: o.perLayer ? (JSON.parse(o.perLayer) as number[]) : [],
            trainSeconds: o.trainSeconds,
            evalSeconds: o.evalSeconds,
            testJackknife: o.jackknife ?? undefined,
            testEssMean: o.essMean ?? undefined,
            testEssMedian: o.essMedian ?? undefined,
            backend: o.backend,
          });
          copied.push(m.trialId);
        }
      })(),
    );
    return copied;
  }
}

interface OutcomeRow {
  testNll: number;
  testBound: number;
  evalK: number;
  testBounds: string | null;
  activeUnits: number;
  perLayer: string | null;
  trainSeconds: number;
  evalSeconds: number;
  jackknife: number | null;
  essMean: number | null;
  essMedian: number | null;
  backend: string;
}
