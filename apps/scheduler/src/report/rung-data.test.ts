import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandSweep, judgeAtRung, sweepSpecFromObject } from '@iwae-sweep/core';
import { applyTrialEvent, ResultsDb } from '@iwae-sweep/db';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRungData } from './rung-data.ts';

// ASHA with η = 2 over two trials: the second to reach rung 1 ranks 2nd of 2 and is stopped there.
// What the stopped table says of it follows the trial through its life: decided but still running,
// ended, resumed by `resume --stopped`.
const dir = mkdtempSync(join(tmpdir(), 'iwae-rung-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const stopping = { method: 'asha', minEpochs: 1, reductionFactor: 2 } as const;
const plan = expandSweep(
  sweepSpecFromObject({
    name: 'now',
    stopping,
    base: { objective: 'iwae', k: 3, trainSize: 100, testSize: 50, epochs: 3, evalK: 100, batchSize: 10, validationSize: 50 },
    grid: { learningRate: [0.003, 0.000001] },
  }),
);

describe('the stopped trials of a sweep', () => {
  it('say stopping while the stopped trial still runs, stopped once it ended, resumed when it runs again', () => {
    const db = ResultsDb.open(join(dir, 'iwae.db'));
    try {
      db.saveSweep({ id: plan.sweepId, spec: plan.spec, mode: 'local' });
      db.addTrials(plan.sweepId, plan.trials);
      const event = (attempt: number, e: Parameters<typeof applyTrialEvent>[1]['event']) =>
        applyTrialEvent(db, { sweepId: plan.sweepId, workerId: 'local:1', attempt, event: e });
      const [a, b] = plan.trials;
      if (!a || !b) throw new Error('two trials expected');
      const judge = (trialId: string, metric: number) =>
        db.rungs.judgeOnce({ sweepId: plan.sweepId, trialId, epoch: 1, rung: 0, metric }, (others) =>
          judgeAtRung(stopping, { index: 0, epoch: 1 }, metric, others),
        );
      const now = () => buildRungData(db, plan.sweepId)?.stopped.map((s) => [s.trial, s.status, s.now]);

      event(1, { type: 'started', trialId: a.id });
      event(1, { type: 'started', trialId: b.id });
      expect(judge(a.id, -100).stop).toBe(false);
      expect(judge(b.id, -200).stop).toBe(true);
      // The decision is recorded; the trial's process has not ended at the rung yet.
      expect(now()).toEqual([[b.id, 'running', 'stopping']]);
      event(1, { type: 'stopped', trialId: b.id, completedEpochs: 1 });
      expect(now()).toEqual([[b.id, 'stopped', 'stopped']]);
      event(2, { type: 'started', trialId: b.id });
      expect(now()).toEqual([[b.id, 'running', 'resumed: running']]);
    } finally {
      db.close();
    }
  });
});
