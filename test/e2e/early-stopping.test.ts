import { judgeAtRung, stoppingSchema } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';

const tmp = tempDir('early-stopping');
afterAll(() => tmp.cleanup());

// Two trials of equal cost, one that learns (learning rate 0.003) and one that barely does (1e-6);
// with one worker they run in trial-id order, and their ids put the learner first (asserted
// below). It reaches the first rung alone and continues; the other ranks 2nd of 2 there and, with
// η = 2, only the top 1 continues: it stops at epoch 1 of 3.
const base = 'trainSize: 500, testSize: 40, batchSize: 50, epochs: 3, evalK: 20, validationSize: 100, validationK: 20';
const asha = tmp.file(
  'asha.yaml',
  `name: asha
stopping: { method: asha, minEpochs: 1, reductionFactor: 2 }
base: { objective: iwae, k: 3, ${base} }
grid: { learningRate: [0.003, 0.000001] }
`,
);
const plain = tmp.file('plain.yaml', `name: plain\nbase: { objective: iwae, k: 3, learningRate: 0.000001, ${base} }\n`);
const db = `${tmp.file('results')}/iwae.db`;

describe('early stopping on the local runner', () => {
  it('stops the trial that ranks below the top 1/η at its rung, before it trains another epoch, and says why', async () => {
    const run = await runCli(['run', asha, '--db', db, '--workers', '1', '--progress', 'lines']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/estimate: \d+ trial\(s\) on backend wasm with ASHA/);
    const rdb = ResultsDb.open(db);
    try {
      const rows = rdb.results({ sweepId: 'asha' });
      const stopped = rows.filter((r) => r.status === 'stopped');
      expect(
        stopped.map((r) => rdb.trialConfig(r.trial)?.learningRate),
        JSON.stringify(rows),
      ).toEqual([0.000001]);
      const s = rdb.getTrial(stopped[0]?.trial as string);
      expect(s).toMatchObject({ status: 'stopped', stopEpoch: 1, epochsDone: 1 });
      expect(s?.stopReason).toMatch(/rung 1 \(epoch 1\): validation bound -\d+\.\d\d ranks 2nd of 2; stopped/);
      expect(run.stderr).toContain(`stop  `);
      // Every decision follows from the rung results in their arrival order.
      const stopping = stoppingSchema.parse({ method: 'asha', minEpochs: 1, reductionFactor: 2 });
      // Rungs at epochs 1 and 2 (1·2^i < 3): both trials reach the first, only the learner the second.
      const rungs = rdb.rungs.rungsOfSweep('asha');
      expect(rungs.map((r) => [r.epoch, r.stop])).toEqual([
        [1, false],
        [1, true],
        [2, false],
      ]);
      expect(rdb.trialConfig(rungs[0]?.trialId as string)?.learningRate, 'the learner must arrive first').toBe(0.003);
      // Every decision follows from the rung results recorded before it at the same epoch, in arrival order.
      for (const [i, r] of rungs.entries()) {
        const before = rungs.slice(0, i).filter((x) => x.epoch === r.epoch);
        const decision = judgeAtRung(
          stopping,
          { index: r.rung, epoch: r.epoch },
          r.metric,
          before.map((x) => x.metric),
        );
        expect(decision).toEqual({ stop: r.stop, reason: r.reason });
      }
      expect(rdb.sweepSummaries('asha')[0]).toMatchObject({ done: 1, stopped: 1 });
    } finally {
      rdb.close();
    }
    const status = await runCli(['status', '--db', db]);
    expect(status.stdout).toMatch(/stopped/);
  });

  it('--resume-stopped continues the stopped trial from its checkpoint, ending bit-identical to a trial never stopped', async () => {
    const resumed = await runCli(['run', asha, '--db', db, '--workers', '1', '--progress', 'lines', '--resume-stopped']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resumed after epoch 1/);
    const uninterrupted = await runCli(['run', plain, '--db', db, '--workers', '1', '--progress', 'lines']);
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);
    const rdb = ResultsDb.open(db);
    try {
      const [a] = rdb.results({ sweepId: 'asha' }).filter((r) => rdb.trialConfig(r.trial)?.learningRate === 0.000001);
      const [b] = rdb.results({ sweepId: 'plain' });
      if (!a || !b) throw new Error('missing trial rows');
      expect(a.status).toBe('done');
      expect(a.testNll).not.toBeNull();
      for (const field of ['testNll', 'testBound', 'trainBound', 'testBoundsByK', 'activeUnitsPerLayer'] as const) {
        expect(a[field], field).toEqual(b[field]);
      }
      const curve = (id: string) => rdb.epochsOf(id).map((e) => [e.epoch, e.trainBound]);
      expect(curve(a.trial)).toEqual(curve(b.trial));
      // Its stop is kept in its history; it was not judged again.
      expect(rdb.rungs.rungsOf(a.trial).map((r) => [r.epoch, r.stop])).toEqual([[1, true]]);
    } finally {
      rdb.close();
    }
  });
});
