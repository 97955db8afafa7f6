import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandSweep, sweepSpecFromObject, totalEpochs } from '@iwae-sweep/core';
import { afterAll, describe, expect, it } from 'vitest';
import { applyTrialEvent } from './apply-trial-event.ts';
import { ResultsDb } from './results-db.ts';
import { fillSweep, fixtureResult } from './test-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'iwae-view-queries-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = { objective: 'iwae', k: 3, trainSize: 100, testSize: 50, batchSize: 10, evalK: 10 } as const;
// An earlier sweep, finished; a later one of the same trials plus a longer one: one trial copied
// from the earlier sweep, one failed, one training (epochs with and without a validation bound).
const earlier = expandSweep(sweepSpecFromObject({ name: 'earlier', base: { ...base, epochs: 2 }, seeds: 2 }));
const later = expandSweep(sweepSpecFromObject({ name: 'later', base, grid: { epochs: [2, 9] }, seeds: 2 }));
const trialOf = (epochs: number, seed: number) => {
  const t = later.trials.find((x) => totalEpochs(x.config.schedule) === epochs && x.config.seed === seed);
  if (!t) throw new Error(`no trial of ${epochs} epochs, seed ${seed}`);
  return t;
};

describe("the views' reads", () => {
  it('name the failed, copied and furthest trials of a sweep, its span, and its epochs by time', () => {
    const db = ResultsDb.open(join(dir, 'iwae.db'));
    try {
      fillSweep(db, earlier, { resultOf: (t) => fixtureResult(t, 100) });
      db.sqlite.prepare('update trials set git_sha = ?').run('abc');
      fillSweep(db, later);
      const [copied, failed, longest] = [trialOf(2, 0), trialOf(2, 1), trialOf(9, 0)];
      const matches = db.findReusable(later.sweepId, [copied], { gitSha: 'abc', backends: ['wasm'] });
      expect(db.reuseTrials(matches)).toEqual([copied.id]);
      const event = (e: Parameters<typeof applyTrialEvent>[1]['event']) =>
        applyTrialEvent(db, { sweepId: later.sweepId, workerId: 'w:1', attempt: 1, event: e }, 1000);
      event({ type: 'started', trialId: failed.id });
      event({ type: 'failed', trialId: failed.id, error: { name: 'Error', message: 'NaN in the bound' }, final: true });
      event({ type: 'started', trialId: longest.id });
      const metrics = (epoch: number, validationBound?: number) => ({
        epoch,
        trainBound: -100 - epoch,
        seconds: 1,
        examplesPerSecond: 10,
        learningRate: 0.001,
        ...(validationBound === undefined ? {} : { validationBound }),
      });
      db.recordEpoch(longest.id, metrics(1, -150), 2000);
      db.recordEpoch(longest.id, metrics(2), 3000);
      db.recordEpoch(longest.id, metrics(3, -140), 4000);

      const v = db.views;
      expect(v.sweepSpan(later.sweepId)).toEqual({ trials: 4, longestEpochs: 9 });
      expect(v.sweepSpan('no-such-sweep')).toEqual({ trials: 0, longestEpochs: 0 });
      expect(v.failedTrials(later.sweepId, 10).map((f) => [f.id, f.error])).toEqual([[failed.id, 'NaN in the bound']]);
      const original = earlier.trials.find((t) => t.config.seed === 0)?.id;
      expect(v.reusedTrials(later.sweepId, 10).map((r) => [r.id, r.fromSweep, r.fromTrial])).toEqual([
        [copied.id, earlier.sweepId, original],
      ]);
      expect(v.reusedCount(later.sweepId)).toBe(1);
      expect(v.reusedCount(earlier.sweepId)).toBe(0);
      // Furthest first: three epochs recorded, then the copy of a trial of two.
      expect(v.furthestTrials(later.sweepId, 2).map((t) => t.id)).toEqual([longest.id, copied.id]);
      expect(
        v
          .trialSummaries(earlier.sweepId, [copied.id, ...earlier.trials.map((t) => t.id)])
          .map((t) => t.id)
          .sort(),
      ).toEqual(earlier.trials.map((t) => t.id).sort());
      expect(v.validationCurves([longest.id])).toEqual([
        { trialId: longest.id, epoch: 1, validationBound: -150 },
        { trialId: longest.id, epoch: 3, validationBound: -140 },
      ]);
      expect(v.epochsSince([longest.id], 2500).map((e) => [e.epoch, e.validationBound])).toEqual([
        [2, null],
        [3, -140],
      ]);
      // The fixture's results were recorded now: count those of the test's clock by differences.
      expect(v.epochsRecordedSince(1500) - v.epochsRecordedSince(2500)).toBe(1);
      expect(v.epochsRecordedSince(2500) - v.epochsRecordedSince(4000)).toBe(2);
    } finally {
      db.close();
    }
  });

  it('read a list of 1200 trials, more than one statement’s chunk of 500', () => {
    const db = ResultsDb.open(join(dir, 'many.db'));
    try {
      const many = expandSweep(
        sweepSpecFromObject({
          name: 'many',
          base: { ...base, epochs: 1 },
          seeds: 1200,
        }),
      );
      fillSweep(db, many);
      const ids = many.trials.map((t) => t.id);
      for (const id of ids)
        db.recordEpoch(id, { epoch: 1, trainBound: -100, seconds: 1, examplesPerSecond: 10, learningRate: 0.001 });
      expect(db.views.trialSummaries(many.sweepId, ids)).toHaveLength(1200);
      expect(db.views.epochsSince(ids, -1)).toHaveLength(1200);
      expect(db.views.validationCurves(ids)).toEqual([]);
    } finally {
      db.close();
    }
  });
});
