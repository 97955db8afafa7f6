import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandSweep, loadSweepSpec, sweepSpecFromObject, type TrialResult } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderReport } from './render-report.ts';
import { buildReportData } from './report-data.ts';

type Plan = ReturnType<typeof expandSweep>;

function result(t: Plan['trials'][number], nll: number, jackknife: number, essMedian: number): TrialResult {
  return {
    testNll: nll,
    testBound: -nll,
    evalK: t.config.evalK,
    testBoundsByK: {},
    testJackknife: jackknife,
    testEssMean: essMedian * 1.2,
    testEssMedian: essMedian,
    trainBound: -nll - 1,
    activeUnits: 20,
    activeUnitsPerLayer: t.config.layers === 1 ? [20] : [20, 6],
    epochs: [
      {
        epoch: 1,
        trainBound: -nll - 1,
        trainElbo: -nll - 1,
        trainIwae: -nll,
        seconds: 1,
        examplesPerSecond: 1,
        learningRate: 1e-3,
      },
    ],
    examplesPerSecond: 1,
    trainSeconds: 1,
    evalSeconds: 1,
    backend: 'wasm',
    gradient: 'fast',
    seed: t.config.seed,
    resumedFromEpoch: 0,
    config: t.config,
  };
}

let dir: string;
let db: ResultsDb;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iwae-report-'));
  db = ResultsDb.open(join(dir, 'iwae.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function record(plan: Plan, pick: (t: Plan['trials'][number]) => boolean, nll: number, jackknife: number, ess: number) {
  db.saveSweep({ id: plan.sweepId, spec: plan.spec, mode: 'local' });
  db.addTrials(plan.sweepId, plan.trials);
  for (const t of plan.trials.filter(pick)) db.recordResult(t.id, result(t, nll, jackknife, ess));
}

describe('the report', () => {
  it('shows the paper’s numbers next to trials of examples/paper-table1.yaml', () => {
    const plan = expandSweep(loadSweepSpec(new URL('../../../../examples/paper-table1.yaml', import.meta.url).pathname));
    record(plan, (t) => t.config.layers === 1 && t.config.k === 5, 85.9, -85.4, 900);
    const data = buildReportData(db, plan.sweepId);
    expect(data.paperComparable).toBe(10);
    expect(data.paperDifferences).toEqual([]);
    const html = renderReport(data);
    // 1-layer K=5: VAE 86.47 and IWAE 85.54 in Table 1.
    expect(html).toContain('paper 86.47');
    expect(html).toContain('paper 85.54');
    expect(html).toContain('every trial here ran their setup');
    expect(html).not.toContain('ESS ≪ K');
  });

  it('shows no paper numbers for a short run, says why, and flags degenerate weights', () => {
    const plan = expandSweep(
      sweepSpecFromObject({
        name: 'short',
        base: { trainSize: 1000, testSize: 100, epochs: 3, evalK: 5000, batchSize: 20 },
        grid: { k: [5], objective: ['vae', 'iwae'] },
      }),
    );
    record(plan, () => true, 120, -119.5, 20);
    const data = buildReportData(db, plan.sweepId);
    expect(data.paperComparable).toBe(0);
    expect(data.beyondBound.map((b) => [b.bound, b.jackknife, b.essLow])).toEqual([
      [-120, -119.5, true],
      [-120, -119.5, true],
    ]);
    const html = renderReport(data);
    expect(html).not.toMatch(/paper \d/);
    expect(html).toContain("The paper's numbers are not shown:");
    expect(html).toContain('<li>schedule: 3 epochs at a constant rate (paper: 8 stages, 3,280 passes)</li>');
    expect(html).toContain('<li>trainSize 1000 (paper: 60000, or 59600 + 400 held out)</li>');
    expect(html).toContain('ESS ≪ K: no estimate beyond L<sub>5000</sub> is reliable');
    expect(html).toContain('log p(x) jackknife est. (not a bound)');
  });

  it('shows no empty row for estimators the paper table has no column for, and says why when it has no row', () => {
    const onlyEstimators = expandSweep(
      sweepSpecFromObject({
        name: 'estimators-only',
        base: { trainSize: 100, testSize: 50, epochs: 1, evalK: 10, batchSize: 10, m: 5 },
        grid: { k: [5], objective: ['iwae-dreg', 'miwae'] },
      }),
    );
    record(onlyEstimators, () => true, 100, -99.5, 5);
    const html = renderReport(buildReportData(db, onlyEstimators.sweepId));
    expect(html).not.toContain('<table class="paper"');
    expect(html).toContain(
      '<p class="muted" id="paper-table">Table 1 compares VAE and IWAE; this sweep\'s finished trials are iwae-dreg, miwae (compared under Estimators below).</p>',
    );
    // Nor a note on the paper's setup: no trial stands next to its numbers.
    expect(html).not.toContain('id="paper-note"');
    expect(html).toContain('<h2>Estimators</h2>');
    // Its learning curves: L_K over M × K samples for miwae, as the trials are named.
    expect(html).toContain(`"title":"train L_K (K=each trial's k, or M=m × K=k for miwae/piwae) on the training batches"`);
  });

  it('keeps, in a mixed sweep, only the rows with a VAE or IWAE to show', () => {
    const mixed = expandSweep(
      sweepSpecFromObject({
        name: 'mixed',
        base: { trainSize: 100, testSize: 50, epochs: 1, evalK: 10, batchSize: 10, m: 5 },
        grid: { k: [5, 50], objective: ['vae', 'iwae', 'iwae-dreg'] },
      }),
    );
    // Finished: VAE and IWAE at K=5, and only IWAE-DREG at K=50.
    record(mixed, (t) => t.config.k === 5 || t.config.objective === 'iwae-dreg', 100, -99.5, 5);
    const html = renderReport(buildReportData(db, mixed.sweepId));
    const table = /<table class="paper" id="paper-table">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
    const rows = [...table.matchAll(/<tr><td>([^<]*)<\/td><td class="num">(\d+)<\/td>/g)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual([['1 layer', '5']]);
  });
});
