/**
 * Compute to the best configuration: one random search over latent size, hidden width, learning
 * rate and K, run (a) to full length and (b) with ASHA, each through the local runner with 2
 * worker processes. Reports epoch-examples trained, wall time and the best test NLL each finds,
 * and the planner's estimate of (a) against its measured wall time.
 * argv: configs epochs trainSize maxK.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandSweep, type SweepPlan, sweepSpecFromObject } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import { calibration, estimateSweep } from '@iwae-sweep/scheduler';
import { timedLocalSweep } from './timed-local-sweep.ts';

const [configs = 27, epochs = 9, trainSize = 1000, maxK = 20] = process.argv.slice(2).map(Number);
const workers = 2;
const dir = mkdtempSync(join(tmpdir(), 'iwae-asha-'));

function plan(name: string, stopping?: object): SweepPlan {
  return expandSweep(
    sweepSpecFromObject({
      name,
      ...(stopping ? { stopping } : {}),
      base: {
        objective: 'iwae',
        trainSize,
        batchSize: 100,
        epochs,
        testSize: 500,
        evalK: 500,
        validationSize: 500,
        validationK: 50,
      },
      random: {
        samples: configs,
        seed: 7,
        params: {
          latent: { int: [5, 50] },
          hidden: { int: [50, 300] },
          learningRate: { logUniform: [0.0001, 0.01] },
          k: { int: [1, maxK] },
        },
      },
    }),
  );
}

async function run(p: SweepPlan) {
  const db = ResultsDb.open(join(dir, `${p.sweepId}.db`));
  try {
    const { summary, seconds } = await timedLocalSweep(db, p, { workers, artifactsDir: join(dir, p.sweepId) });
    const rows = db.trialsOf(p.sweepId);
    const epochExamples = rows.reduce((a, t) => a + t.epochsDone * t.trainSize, 0);
    const done = rows.filter((t) => t.status === 'done' && t.testNll !== null);
    const best = Math.min(...done.map((t) => t.testNll as number));
    return { summary, seconds, epochExamples, best, finished: done.length, stopped: summary.stopped };
  } finally {
    db.close();
  }
}

const full = plan('full');
const asha = plan('asha', { method: 'asha', minEpochs: 1, reductionFactor: 3 });
const calib = await calibration('wasm');
const estimate = estimateSweep(full.trials, calib, workers);
const estimateAsha = estimateSweep(asha.trials, calib, workers, asha.spec.stopping);
const a = await run(full);
const b = await run(asha);
rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({
    configs: full.trials.length,
    'full epoch-ex': a.epochExamples,
    'asha epoch-ex': b.epochExamples,
    'compute ÷': a.epochExamples / b.epochExamples,
    'full wall s': a.seconds,
    'asha wall s': b.seconds,
    'full best NLL': a.best,
    'asha best NLL': b.best,
    'NLL gap': b.best - a.best,
    'asha stopped': b.stopped,
    'plan full s': estimate.full.wallSeconds,
    'plan ÷ measured': estimate.full.wallSeconds / a.seconds,
    'plan asha s (best..worst)': `${estimateAsha.best?.wallSeconds.toFixed(0)}..${estimateAsha.full.wallSeconds.toFixed(0)}`,
  })}\n`,
);
