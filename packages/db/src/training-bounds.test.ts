import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EpochMetrics, expandSweep, sweepSpecFromObject, type TrialResult } from '@iwae-sweep/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResultsDb } from './results-db.ts';

// Two seeds of one config group: both training bounds, the validation bound, the jackknife, ESS
// and the runtime travel from a trial's result into the DB and its per-group means.
const plan = expandSweep(
  sweepSpecFromObject({
    name: 'bounds',
    base: { trainSize: 100, testSize: 50, epochs: 2, evalK: 10, batchSize: 10, validationSize: 100, validationK: 20 },
    grid: { k: [5], objective: ['vae'] },
    seeds: 2,
  }),
);
const [a, b] = plan.trials as [(typeof plan.trials)[number], (typeof plan.trials)[number]];

const epoch = (n: number, elbo: number, iwae: number, validation?: number): EpochMetrics => ({
  epoch: n,
  trainBound: elbo,
  trainElbo: elbo,
  trainIwae: iwae,
  ...(validation === undefined ? {} : { validationBound: validation }),
  seconds: 1,
  examplesPerSecond: 100,
  learningRate: 1e-3,
});

function result(t: typeof a, epochs: EpochMetrics[], jackknife: number, ess: [number, number]): TrialResult {
  return {
    testNll: 100,
    testBound: -100,
    evalK: 10,
    testBoundsByK: {},
    testJackknife: jackknife,
    testEssMean: ess[0],
    testEssMedian: ess[1],
    trainBound: epochs.at(-1)?.trainBound ?? 0,
    activeUnits: 5,
    activeUnitsPerLayer: [5],
    epochs,
    examplesPerSecond: 100,
    trainSeconds: 2,
    evalSeconds: 1,
    backend: 'wasm',
    runtime: { backend: 'wasm', tfBackend: 'wasm', tfjs: '4.22.0', backendVersion: '4.22.0', node: '20', platform: 'linux-x64' },
    gradient: 'fast',
    seed: t.config.seed,
    resumedFromEpoch: 0,
    config: t.config,
  };
}

let dir: string;
let db: ResultsDb;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iwae-bounds-'));
  db = ResultsDb.open(join(dir, 'iwae.db'));
  db.saveSweep({ id: plan.sweepId, spec: plan.spec, mode: 'local' });
  db.addTrials(plan.sweepId, plan.trials);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('training bounds, validation bound and estimates in the DB', () => {
  it('stores both training bounds and the validation bound per epoch, and averages each over the trials that recorded it', () => {
    db.recordEpoch(a.id, epoch(1, -200, -190, -185));
    // An epoch from a worker that predates the two labelled bounds: it counts for the objective only.
    db.recordEpoch(b.id, { epoch: 1, trainBound: -210, seconds: 1, examplesPerSecond: 100, learningRate: 1e-3 });
    db.recordEpoch(a.id, epoch(2, -150, -140, -139));
    db.recordEpoch(b.id, epoch(2, -160, -152, -147));
    expect(db.epochsOf(a.id).map((e) => [e.trainElbo, e.trainIwae, e.validationBound])).toEqual([
      [-200, -190, -185],
      [-150, -140, -139],
    ]);
    expect(db.epochsOfSweep(plan.sweepId).find((e) => e.trialId === b.id && e.epoch === 1)).toMatchObject({
      trainBound: -210,
      trainElbo: null,
      trainIwae: null,
      validationBound: null,
    });
    const byEpoch = db.groupEpochs(plan.sweepId).sort((x, y) => x.epoch - y.epoch);
    expect(byEpoch.map((e) => [e.bound, e.trainElbo, e.trainIwae, e.validationBound, e.trials])).toEqual([
      [-205, -200, -190, -185, 2],
      [-155, -155, -146, -143, 2],
    ]);
  });

  it('stores the jackknife, ESS and runtime of a result, with their means per group, the same after a rebuild', () => {
    db.recordResult(a.id, result(a, [epoch(1, -200, -190, -185), epoch(2, -150, -140, -139)], -98, [40, 30]));
    db.recordResult(b.id, result(b, [epoch(1, -210, -200), epoch(2, -160, -152)], -96, [60, 50]));
    const row = db.sqlite
      .prepare('select test_jackknife, test_ess_mean, test_ess_median, runtime from trials where id = ?')
      .get(a.id);
    expect(row).toMatchObject({ test_jackknife: -98, test_ess_mean: 40, test_ess_median: 30 });
    expect(JSON.parse((row as { runtime: string }).runtime)).toMatchObject({ tfjs: '4.22.0', backend: 'wasm' });
    const [cell] = db.paperTable(plan.sweepId);
    expect(cell).toMatchObject({ trials: 2, jackknifeMean: -97, essMeanMean: 50, essMedianMean: 40 });
    const before = { table: db.paperTable(plan.sweepId), epochs: db.groupEpochs(plan.sweepId) };
    expect(before.epochs.find((e) => e.epoch === 1)).toMatchObject({ validationBound: -185, trainElbo: -205 });
    db.rebuildAggregates(plan.sweepId);
    expect({ table: db.paperTable(plan.sweepId), epochs: db.groupEpochs(plan.sweepId) }).toEqual(before);
  });
});
