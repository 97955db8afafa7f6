import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EpochMetrics, expandSweep, sweepSpecFromObject, type TrialResult } from '@iwae-sweep/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ResultsDb } from './results-db.ts';

// One miwae trial measuring its gradient SNR after epochs 2 and 4 (gradSnrEvery 2, 4 epochs): the
// per-epoch SNR lands in the epochs table and its views, the final one on the trial's row.
const plan = expandSweep(
  sweepSpecFromObject({
    name: 'snr',
    base: { trainSize: 100, testSize: 50, epochs: 4, evalK: 10, batchSize: 10, m: 3, gradSnr: 8, gradSnrEvery: 2 },
    grid: { k: [5], objective: ['miwae'] },
    seeds: 1,
  }),
);
const [trial] = plan.trials as [(typeof plan.trials)[number]];
const snr = (enc: number, dec: number) => ({
  draws: 8,
  encoder: { mean: enc, median: enc / 2, parameters: 10 },
  decoder: { mean: dec, median: dec / 2, parameters: 20 },
});
const epoch = (n: number): EpochMetrics => ({
  epoch: n,
  trainBound: -100 + n,
  seconds: 1,
  examplesPerSecond: 100,
  learningRate: 1e-3,
  ...(n % 2 === 0 ? { gradientSnr: snr(n, 10 * n) } : {}),
});
const result = (epochs: EpochMetrics[]): TrialResult => ({
  testNll: 100,
  testBound: -100,
  evalK: 10,
  testBoundsByK: {},
  trainBound: -96,
  activeUnits: 5,
  activeUnitsPerLayer: [5],
  epochs,
  gradientSnr: snr(4, 40),
  examplesPerSecond: 100,
  trainSeconds: 2,
  evalSeconds: 1,
  backend: 'wasm',
  gradient: 'fast',
  seed: 0,
  resumedFromEpoch: 0,
  config: trial.config,
});

let dir: string;
let db: ResultsDb;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iwae-snr-'));
  db = ResultsDb.open(join(dir, 'iwae.db'));
  db.saveSweep({ id: plan.sweepId, spec: plan.spec, mode: 'local' });
  db.addTrials(plan.sweepId, plan.trials);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('gradient SNR in the DB', () => {
  it('stores the SNR of the epochs that measured it, null on the others, in the epochs table and its views', () => {
    // Epochs 1–2 streamed live, 3–4 only with the result (a lost message): both paths store it.
    db.recordEpoch(trial.id, epoch(1));
    db.recordEpoch(trial.id, epoch(2));
    db.recordResult(trial.id, result([1, 2, 3, 4].map(epoch)));
    const expected = [1, 2, 3, 4].map((n) =>
      n % 2 === 0
        ? { epoch: n, snrEncoderMean: n, snrEncoderMedian: n / 2, snrDecoderMean: 10 * n, snrDecoderMedian: 5 * n }
        : { epoch: n, snrEncoderMean: null, snrEncoderMedian: null, snrDecoderMean: null, snrDecoderMedian: null },
    );
    const pick = (rows: Record<string, unknown>[]) =>
      rows.map(({ epoch, snrEncoderMean, snrEncoderMedian, snrDecoderMean, snrDecoderMedian }) => ({
        epoch,
        snrEncoderMean,
        snrEncoderMedian,
        snrDecoderMean,
        snrDecoderMedian,
      }));
    expect(pick(db.epochsOf(trial.id))).toEqual(expected);
    expect(pick(db.epochsOfSweep(plan.sweepId))).toEqual(expected);
    // `results --epochs` and the results_epochs view (what pandas users read).
    expect(pick(db.epochResults({ sweepId: plan.sweepId }))).toEqual(expected);
    expect(pick(db.sqlite.prepare('select * from results_epochs order by epoch').all() as Record<string, unknown>[])).toEqual(
      expected,
    );
  });

  it('puts the final SNR, m and beta in the results rows and view, and lists it per trial for fits', () => {
    db.recordResult(trial.id, result([1, 2, 3, 4].map(epoch)));
    const [row] = db.results({ sweepId: plan.sweepId, where: [{ column: 'snrEncoderMean', op: '>', value: 3 }] });
    expect(row).toMatchObject({
      m: 3,
      beta: null,
      snrEncoderMean: 4,
      snrEncoderMedian: 2,
      snrDecoderMean: 40,
      snrDecoderMedian: 20,
    });
    expect(db.sqlite.prepare('select snrDecoderMedian from results').get()).toEqual({ snrDecoderMedian: 20 });
    expect(db.trialSnrs(plan.sweepId)).toEqual([
      {
        groupId: row?.group,
        trialId: trial.id,
        k: 5,
        encoderMean: 4,
        encoderMedian: 2,
        decoderMean: 40,
        decoderMedian: 20,
      },
    ]);
  });
});
