import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandSweep, judgeAtRung, type Stopping, sweepSpecFromObject } from '@iwae-sweep/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyTrialEvent } from './apply-trial-event.ts';
import { ResultsDb } from './results-db.ts';

const plan = expandSweep(
  sweepSpecFromObject({
    name: 'rungs',
    base: { objective: 'iwae', trainSize: 100, testSize: 50, epochs: 9, evalK: 10, batchSize: 10 },
    grid: { k: [1, 2, 3, 4] },
  }),
);
const ids = plan.trials.map((t) => t.id);
const asha: Stopping = { method: 'asha', minEpochs: 1, reductionFactor: 2 };

let dir: string;
let file: string;
let db: ResultsDb;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iwae-rungs-'));
  file = join(dir, 'iwae.db');
  db = ResultsDb.open(file);
  db.saveSweep({ id: plan.sweepId, spec: plan.spec, mode: 'local', description: 'rungs' });
  db.addTrials(plan.sweepId, plan.trials);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Judges trial i at epoch 1 with a metric, as the runner and the collector do. */
function arrive(i: number, metric: number) {
  const trialId = ids[i] as string;
  return db.rungs.judgeOnce({ sweepId: plan.sweepId, trialId, epoch: 1, rung: 0, metric }, (others) =>
    judgeAtRung(asha, { index: 0, epoch: 1 }, metric, others),
  );
}

describe('rung records', () => {
  it('judge each arrival against those recorded before it, in arrival order, and keep every decision', () => {
    // η = 2: the 2nd arrival continues only if better than the 1st, the 3rd if in the top 2 of 3.
    expect(arrive(0, -100).stop).toBe(false);
    expect(arrive(1, -101).stop).toBe(true);
    expect(arrive(2, -99).stop).toBe(false);
    expect(arrive(3, -100.5).stop).toBe(true);
    expect(db.rungs.metricsAt(plan.sweepId, 1, ids[3] as string)).toEqual([-100, -101, -99]);
    const other = ResultsDb.open(file);
    try {
      expect(other.rungs.rungsOfSweep(plan.sweepId).map((r) => [r.trialId, r.metric, r.stop])).toEqual([
        [ids[0], -100, false],
        [ids[1], -101, true],
        [ids[2], -99, false],
        [ids[3], -100.5, true],
      ]);
    } finally {
      other.close();
    }
  });

  it('give a trial judged again at the same rung (a redelivered epoch) its first decision', () => {
    arrive(0, -100);
    expect(arrive(1, -101).stop).toBe(true);
    // Redelivered with another metric (cannot happen for a deterministic trial, but must not flip).
    expect(arrive(1, -50).stop).toBe(true);
    expect(db.rungs.rungsOf(ids[1] as string).map((r) => r.metric)).toEqual([-101]);
    expect(db.rungs.wasStopped(ids[1] as string)).toBe(true);
    expect(db.rungs.wasStopped(ids[0] as string)).toBe(false);
  });

  it('a stopped event ends the trial as stopped, with the rung, its metric and the reason', () => {
    const trialId = ids[1] as string;
    arrive(0, -100);
    const decision = arrive(1, -101);
    applyTrialEvent(db, { sweepId: plan.sweepId, workerId: 'local:1', attempt: 1, event: { type: 'started', trialId } });
    applyTrialEvent(db, {
      sweepId: plan.sweepId,
      workerId: 'local:1',
      attempt: 1,
      event: { type: 'stopped', trialId, completedEpochs: 1 },
    });
    expect(db.getTrial(trialId)).toMatchObject({
      status: 'stopped',
      stopEpoch: 1,
      stopMetric: -101,
      stopReason: decision.reason,
    });
    expect(decision.reason).toMatch(/ranks 2nd of 2; stopped/);
    const [summary] = db.sweepSummaries(plan.sweepId);
    expect(summary).toMatchObject({ stopped: 1, queued: ids.length - 1 });
  });
});
