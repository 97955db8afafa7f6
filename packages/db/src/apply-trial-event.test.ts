import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandSweep, sweepSpecFromObject, type TrialEvent, type TrialResult } from '@iwae-sweep/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyTrialEvent } from './apply-trial-event.ts';
import { UnknownEntityError } from './errors.ts';
import { ResultsDb } from './results-db.ts';

const plan = expandSweep(
  sweepSpecFromObject({
    name: 'events',
    base: { objective: 'iwae', trainSize: 100, testSize: 50, epochs: 2, evalK: 10, batchSize: 10 },
    grid: { k: [1, 5] },
  }),
);
const [first, second] = plan.trials.map((t) => t.id) as [string, string];

let dir: string;
let file: string;
let db: ResultsDb;

function epoch(n: number, trainBound: number) {
  return { epoch: n, trainBound, seconds: 1, examplesPerSecond: 100, learningRate: 0.001 };
}

function result(nll: number): TrialResult {
  const config = plan.trials[0]?.config;
  if (!config) throw new Error('no trial in the plan');
  return {
    testNll: nll,
    testBound: -nll,
    evalK: 10,
    testBoundsByK: {},
    trainBound: -nll - 2,
    activeUnits: 3,
    activeUnitsPerLayer: [3],
    epochs: [epoch(1, -200), epoch(2, -nll - 2)],
    examplesPerSecond: 100,
    trainSeconds: 2,
    evalSeconds: 1,
    backend: 'wasm',
    gradient: 'fast',
    seed: 0,
    resumedFromEpoch: 0,
    config,
  };
}

const apply = (event: TrialEvent, attempt = 1) =>
  applyTrialEvent(db, { sweepId: plan.sweepId, workerId: 'host-a:42', attempt, event });

/** Reads the trial back through a second connection to the file: what any reader sees. */
function reread(trialId: string) {
  const other = ResultsDb.open(file);
  try {
    const row = other.getTrial(trialId);
    if (!row) throw new Error(`trial ${trialId} is not in ${file}`);
    return { row, epochs: other.epochsOf(trialId) };
  } finally {
    other.close();
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iwae-events-'));
  file = join(dir, 'iwae.db');
  db = ResultsDb.open(file);
  db.saveSweep({ id: plan.sweepId, spec: plan.spec, mode: 'redis', description: 'events' });
  db.addTrials(plan.sweepId, plan.trials);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('applyTrialEvent', () => {
  it('records a trial from start to result, with the worker of the record', () => {
    apply({ type: 'started', trialId: first, host: 'host-a', backend: 'wasm', gitSha: 'abc123' });
    let { row } = reread(first);
    expect(row).toMatchObject({ status: 'running', attempts: 1, host: 'host-a', workerId: 'host-a:42', gitSha: 'abc123' });

    apply({ type: 'phase', trialId: first, phase: 'training', backend: 'tensorflow' });
    apply({ type: 'epoch', trialId: first, metrics: epoch(1, -200), totalEpochs: 2 });
    ({ row } = reread(first));
    expect(row).toMatchObject({ phase: 'training', backend: 'tensorflow', epochsDone: 1, lastTrainBound: -200 });

    apply({ type: 'result', trialId: first, result: result(95) });
    const after = reread(first);
    expect(after.row).toMatchObject({ status: 'done', phase: 'done', testNll: 95, epochsDone: 2 });
    expect(after.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    // The other trial is untouched.
    expect(reread(second).row).toMatchObject({ status: 'queued', attempts: 0 });
  });

  it('is idempotent: a duplicate epoch or result changes nothing', () => {
    apply({ type: 'started', trialId: first });
    apply({ type: 'epoch', trialId: first, metrics: epoch(1, -200), totalEpochs: 2 });
    apply({ type: 'epoch', trialId: first, metrics: epoch(1, -150), totalEpochs: 2 });
    expect(reread(first).epochs.map((e) => [e.epoch, e.trainBound])).toEqual([[1, -200]]);
    apply({ type: 'result', trialId: first, result: result(95) });
    apply({ type: 'result', trialId: first, result: result(80) });
    expect(reread(first).row.testNll).toBe(95);
  });

  it('sends a failed attempt back to the queue and a final failure to failed, with the error', () => {
    apply({ type: 'started', trialId: first });
    apply({ type: 'failed', trialId: first, error: { name: 'Error', message: 'worker lost', stack: 'at x' }, final: false });
    expect(reread(first).row).toMatchObject({ status: 'queued', error: 'worker lost', errorStack: 'at x', finishedAt: null });
    apply({ type: 'started', trialId: first }, 2);
    expect(reread(first).row).toMatchObject({ status: 'running', attempts: 2 });
    apply({ type: 'failed', trialId: first, error: { name: 'NonFiniteLossError', message: 'diverged' }, final: true }, 2);
    const { row } = reread(first);
    expect(row).toMatchObject({ status: 'failed', error: 'diverged' });
    expect(row.finishedAt).not.toBeNull();
  });

  it('cancels a running trial, but a finished trial stays finished whatever arrives late', () => {
    apply({ type: 'started', trialId: second });
    apply({ type: 'cancelled', trialId: second, completedEpochs: 1, reason: 'sweep cancelled' });
    expect(reread(second).row.status).toBe('cancelled');

    apply({ type: 'started', trialId: first });
    apply({ type: 'result', trialId: first, result: result(95) });
    apply({ type: 'failed', trialId: first, error: { name: 'Error', message: 'late' }, final: true });
    apply({ type: 'cancelled', trialId: first, completedEpochs: 2, reason: 'sweep cancelled' });
    apply({ type: 'started', trialId: first }, 2);
    expect(reread(first).row).toMatchObject({ status: 'done', testNll: 95, error: null });
  });

  it('refuses an event for a trial the DB does not know, and writes nothing', () => {
    const unknown = 't00000000000000000000';
    expect(() => apply({ type: 'started', trialId: unknown })).toThrow(UnknownEntityError);
    expect(() => apply({ type: 'epoch', trialId: unknown, metrics: epoch(1, -1), totalEpochs: 1 })).toThrow(UnknownEntityError);
    expect(db.getTrial(unknown)).toBeUndefined();
  });
});
