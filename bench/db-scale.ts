/**
 * `results` and `report` over a sweep of many generated trials (default 100,000), each with a
 * result, per-K bounds and a few epochs. argv: trials. Prints one JSON line of timings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeTrialConfig, type PlannedTrial, Rng, trialId } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import { buildReportData, renderReport } from '@iwae-sweep/scheduler';

const n = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'iwae-db-bench-'));
let db = ResultsDb.open(join(dir, 'iwae.db'));
const rng = Rng.fromSeed(1, 'db-bench');
const sweepId = 'scale';
const t0 = performance.now();
db.saveSweep({ id: sweepId, spec: { name: sweepId }, mode: 'local' });
const trials: PlannedTrial[] = [];
for (let i = 0; i < n; i++) {
  const config = normalizeTrialConfig({
    objective: i % 2 ? 'iwae' : 'vae',
    k: [1, 5, 50][i % 3] as number,
    layers: ((i >> 2) % 2) + 1,
    latent: [10, 20, 50, 100][(i >> 3) % 4] as number,
    seed: Math.floor(i / 32),
    epochs: 3,
    evalKs: [1, 5, 50],
  });
  trials.push({ id: trialId(sweepId, config), config, flops: 1e12 });
}
db.addTrials(sweepId, trials);
// Real writes through the DB layer (validation, aggregates), batched in one outer transaction.
const insert = db.sqlite.transaction(() => {
  for (const t of trials) {
    const nll = 85 + 10 * rng.nextFloat();
    db.recordResult(t.id, {
      testNll: nll,
      testBound: -nll,
      evalK: 5000,
      testBoundsByK: { '1': -nll - 5, '5': -nll - 1, '50': -nll - 0.1 },
      trainBound: -nll - 2,
      activeUnits: 20,
      activeUnitsPerLayer: t.config.layers === 1 ? [20] : [15, 5],
      epochs: [1, 2, 3].map((e) => ({
        epoch: e,
        trainBound: -nll - 10 / e,
        seconds: 1,
        examplesPerSecond: 200,
        learningRate: 0.001,
      })),
      examplesPerSecond: 200,
      trainSeconds: 100,
      evalSeconds: 10,
      backend: 'wasm',
      gradient: 'fast',
      seed: t.config.seed,
      resumedFromEpoch: 0,
      config: t.config,
    });
  }
});
insert();
const fillSeconds = (performance.now() - t0) / 1000;
// Measure as a later command would see the DB: closed by the writer, opened afresh.
db.close();
db = ResultsDb.open(join(dir, 'iwae.db'));

function time<T>(f: () => T): [T, number] {
  const s = performance.now();
  const v = f();
  return [v, (performance.now() - s) / 1000];
}
const [rows, resultsSeconds] = time(() => db.results({ sweepId }));
const [, sortedSeconds] = time(() =>
  db.results({
    sweepId,
    where: [{ column: 'k', op: '=', value: 50 }],
    sort: [{ column: 'testNll', descending: false }],
    limit: 20,
  }),
);
const [data, reportDataSeconds] = time(() => buildReportData(db, sweepId));
const [html, renderSeconds] = time(() => renderReport(data));
const [, summarySeconds] = time(() => db.sweepSummaries());
db.close();
if (process.env.KEEP) console.error('kept', dir);
else rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({ trials: n, rows: rows.length, fillSeconds, resultsSeconds, filteredSortedSeconds: sortedSeconds, reportSeconds: reportDataSeconds + renderSeconds, reportDataSeconds, renderSeconds, statusSeconds: summarySeconds, reportKiB: Math.round(html.length / 1024) })}\n`,
);
