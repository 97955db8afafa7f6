/**
 * The planner against the clock: `plan`'s wall-time estimate of a small K-heterogeneous sweep
 * (with a held-out validation bound) next to its measured wall time through the local runner on
 * this machine. The estimate is made from a calibration measured in this same run (the load the
 * sweep meets) and from the cached one that `plan` would use; and once more without the
 * validation bound's cost, as the cost model had it before. argv: workers trainSize epochs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandSweep, type SweepPlan, sweepSpecFromObject } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import { calibration, estimateSweep } from '@iwae-sweep/scheduler';
import { timedLocalSweep } from './timed-local-sweep.ts';

const [workers = 2, trainSize = 1000, epochs = 3] = process.argv.slice(2).map(Number);
const dir = mkdtempSync(join(tmpdir(), 'iwae-plan-'));
const load = () => loadavg()[0] as number;

const plan = (validationSize: number): SweepPlan =>
  expandSweep(
    sweepSpecFromObject({
      name: 'plan',
      base: { trainSize, epochs, batchSize: 100, testSize: 200, evalK: 200, validationSize, validationK: 100 },
      grid: { k: [1, 5, 20], objective: ['vae', 'iwae'] },
    }),
  );

const sweep = plan(500);
const loadBefore = load();
const cached = await calibration('wasm');
// Measured now, into a file of its own: the user's cache is left as it was.
const fresh = await calibration('wasm', { refresh: true, file: join(dir, 'calibration.json') });
const db = ResultsDb.open(join(dir, 'iwae.db'));
const { summary, seconds: measured } = await timedLocalSweep(db, sweep, { workers, artifactsDir: join(dir, 'artifacts') });
// Trial processes' own durations: Σ says whether the cost model or the scheduling is off.
const trialSeconds = db.trialsOf(sweep.sweepId).reduce((a, t) => a + ((t.finishedAt ?? 0) - (t.startedAt ?? 0)) / 1000, 0);
db.close();
rmSync(dir, { recursive: true, force: true });
if (summary.done !== sweep.trials.length) throw new Error(`only ${summary.done} of ${sweep.trials.length} trials finished`);

const estimate = estimateSweep(sweep.trials, fresh, workers).full;
const planFresh = estimate.wallSeconds;
const planCached = estimateSweep(sweep.trials, cached, workers).full.wallSeconds;
const noValidation = estimateSweep(plan(0).trials, fresh, workers).full.wallSeconds;
process.stdout.write(
  `${JSON.stringify({
    trials: sweep.trials.length,
    workers,
    'measured s': measured,
    'plan s': planFresh,
    'plan ÷ measured': planFresh / measured,
    'plan (cached calib) ÷ measured': planCached / measured,
    'plan w/o validation ÷ measured': noValidation / measured,
    'Σ trial s': trialSeconds,
    'plan Σ trial s': estimate.coreHours * 3600,
    'train GF/s': fresh.flopsPerSecond / 1e9,
    'forward GF/s': (fresh.forwardFlopsPerSecond ?? 0) / 1e9,
    'load before': loadBefore,
    'load after': load(),
  })}\n`,
);
