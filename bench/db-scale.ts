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
import { syntheticResult } from './synthetic-result.ts';

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
    db.recordResult(t.id, syntheticResult(t.config, nll, 3));
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
