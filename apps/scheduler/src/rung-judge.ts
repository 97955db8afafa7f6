import {
  type EpochMetrics,
  judgeAtRung,
  type RungDecision,
  rungIndex,
  rungMetric,
  type Stopping,
  stoppingOfSpecJson,
} from '@iwae-sweep/core';
import type { ResultsDb } from '@iwae-sweep/db';

/**
 * Early-stopping decisions, taken where every trial's rung results are visible: the local runner
 * and the collector both call this after writing an epoch. The decision is recorded in the DB
 * with the metric, in the same transaction that reads the metrics it compares with, so it
 * depends only on the order in which rung results arrived here.
 */
export class RungJudge {
  private readonly stoppingBySweep = new Map<string, Stopping | undefined>();

  constructor(private readonly db: ResultsDb) {}

  /** The sweep's stopping rule, from its stored spec (read once per sweep). */
  stoppingOf(sweepId: string): Stopping | undefined {
    if (!this.stoppingBySweep.has(sweepId)) {
      const sweep = this.db.getSweep(sweepId);
      this.stoppingBySweep.set(sweepId, sweep ? stoppingOfSpecJson(sweep.specJson) : undefined);
    }
    return this.stoppingBySweep.get(sweepId);
  }

  /**
   * Judges a trial's epoch if it is a rung of the sweep's rule; undefined otherwise. A trial that
   * the rule stopped before and that was resumed runs to its end: it is not judged again.
   */
  judge(sweepId: string, trialId: string, metrics: EpochMetrics, totalEpochs: number): RungDecision | undefined {
    const stopping = this.stoppingOf(sweepId);
    if (!stopping) return undefined;
    const index = rungIndex(stopping, totalEpochs, metrics.epoch);
    if (index === undefined) return undefined;
    const known = this.db.rungs.decisionAt(trialId, metrics.epoch);
    if (known) return known;
    if (this.db.rungs.wasStopped(trialId)) return { stop: false, reason: 'resumed after an early stop: runs to the end' };
    const metric = rungMetric(metrics);
    if (metric === undefined) return { stop: false, reason: `epoch ${metrics.epoch}: no validation bound (validationSize is 0)` };
    return this.db.rungs.judgeOnce({ sweepId, trialId, epoch: metrics.epoch, rung: index, metric }, (others) =>
      judgeAtRung(stopping, { index, epoch: metrics.epoch }, metric, others),
    );
  }
}
