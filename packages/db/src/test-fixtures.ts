import type { PlannedTrial, SweepPlan, TrialResult } from '@iwae-sweep/core';
import { ResultsDb } from './results-db.ts';

/**
 * A finished trial's result for tests, every bound derived from `nll`: the test bound −nll, L_1
 * and L_5 3 and 1 nats below it, the train bound 2 below, two epochs (the second ending on the
 * train bound) at the trial's learning rate. `over` replaces any field.
 */
export function fixtureResult(t: PlannedTrial, nll: number, over: Partial<TrialResult> = {}): TrialResult {
  const learningRate = t.config.learningRate;
  return {
    testNll: nll,
    testBound: -nll,
    evalK: 10,
    testBoundsByK: { '1': -nll - 3, '5': -nll - 1 },
    trainBound: -nll - 2,
    activeUnits: 7,
    activeUnitsPerLayer: [7],
    epochs: [
      { epoch: 1, trainBound: -200, seconds: 1, examplesPerSecond: 100, learningRate },
      { epoch: 2, trainBound: -nll - 2, seconds: 1, examplesPerSecond: 100, learningRate },
    ],
    examplesPerSecond: 100,
    trainSeconds: 2,
    evalSeconds: 1,
    backend: 'wasm',
    gradient: 'fast',
    seed: t.config.seed,
    resumedFromEpoch: 0,
    config: t.config,
    ...over,
  };
}

export interface FixtureSweep {
  description?: string;
  /** The result to record for a trial; none (or undefined) leaves it queued. */
  resultOf?: (t: PlannedTrial) => TrialResult | undefined;
}

/** Saves a local sweep and its trials in an open DB, with the results `resultOf` gives. */
export function fillSweep(db: ResultsDb, plan: SweepPlan, opts: FixtureSweep = {}): void {
  db.saveSweep({ id: plan.sweepId, spec: plan.spec, mode: 'local', description: opts.description });
  db.addTrials(plan.sweepId, plan.trials);
  for (const t of plan.trials) {
    const r = opts.resultOf?.(t);
    if (r) db.recordResult(t.id, r);
  }
}

/** The same, written to the DB file `file` (created if need be) and closed. */
export function writeSweep(file: string, plan: SweepPlan, opts: FixtureSweep = {}): void {
  const db = ResultsDb.open(file);
  try {
    fillSweep(db, plan, opts);
  } finally {
    db.close();
  }
}
