import { readFileSync } from 'node:fs';
import { ResultsDb } from '@iwae-sweep/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli, tempDir } from '../helpers/cli.ts';

const tmp = tempDir('local-sweep');
afterAll(() => tmp.cleanup());

const spec = tmp.file(
  'tiny.yaml',
  `name: tiny
description: end-to-end test sweep
base: { trainSize: 300, testSize: 60, batchSize: 50, epochs: 2, evalK: 100, evalKs: [1, 5, 20] }
grid:
  k: [2, 5]
  objective: [vae, iwae]
  learningRate: [0.001, 1]
`,
);
const db = tmp.file('results', undefined) + '/iwae.db';

describe('a real sweep on the embedded default (no Redis)', () => {
  // Every test here reads this one sweep: it runs once, before any of them (so each can run alone).
  let run: CliResult;
  beforeAll(async () => {
    run = await runCli(['run', spec, '--db', db, '--workers', '2', '--progress', 'lines']);
  }, 180_000);

  it('runs every trial in child processes into SQLite, records a diverging trial as failed and goes on', () => {
    // Exit 1: some trials failed (the ones with learning rate 1 diverge), the others finished.
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/sweep tiny: 8 trials, 0 already done, 2 worker process\(es\)/);
    expect(run.stderr).toMatch(/FAILED .*training diverged: the bound is NaN/);
    expect(run.stdout).toMatch(/\btestNll\b/);

    const rdb = ResultsDb.open(db);
    try {
      const rows = rdb.results({ sweepId: 'tiny' });
      expect(rows).toHaveLength(8);
      const done = rows.filter((r) => r.status === 'done');
      const failed = rows.filter((r) => r.status === 'failed');
      expect(done).toHaveLength(4);
      expect(failed).toHaveLength(4);
      for (const r of failed) {
        expect(r.error).toMatch(/diverged/);
        expect(rdb.trialConfig(r.trial)?.learningRate).toBe(1);
      }
      for (const r of done) {
        expect(r.testNll).toBeGreaterThan(50);
        expect(rdb.epochsOf(r.trial).map((e) => e.epoch)).toEqual([1, 2]);
        // The bound tightens with k on the same samples: L_1 < L_5 < L_20 < L_100.
        const b = r.testBoundsByK;
        expect(b['1']).toBeLessThan(b['5'] as number);
        expect(b['5']).toBeLessThan(b['20'] as number);
        expect(b['20']).toBeLessThan(r.testBound as number);
        expect(r.backend).toBe('wasm');
      }
      // A diverged trial is not retried: its error is final.
      for (const r of failed) expect(rdb.getTrial(r.trial)?.attempts).toBe(1);
    } finally {
      rdb.close();
    }
  });

  it('a second run skips finished trials and does not retry with --no-retry-failed', async () => {
    const again = await runCli(['run', spec, '--db', db, '--no-retry-failed', '--progress', 'lines']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/8 trials, 8 already done/);
  });

  it('status, results (table, csv, json, filters) and query read the DB', async () => {
    const status = await runCli(['status', '--db', db]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/tiny\s+local\s+failed\s+8\s+4\s+0\s+0\s+4\s+0/);

    const json = await runCli([
      'results',
      '--db',
      db,
      '--sweep',
      'tiny',
      '--where',
      'status=done',
      '--sort',
      '-testNll',
      '--format',
      'json',
    ]);
    expect(json.code, json.stderr).toBe(0);
    const rows = JSON.parse(json.stdout) as { testNll: number; status: string }[];
    expect(rows).toHaveLength(4);
    expect(rows.map((r) => r.testNll)).toEqual([...rows.map((r) => r.testNll)].sort((a, b) => b - a));

    const csv = await runCli(['results', '--db', db, '--where', 'k=5', '--where', 'status=done', '--format', 'csv']);
    const lines = csv.stdout.trim().split('\r\n');
    expect(lines[0]).toMatch(
      /^sweep,trial,group,status,dataset,objective,k,.*,layers,latent,.*,learningRate,.*,evalK,evalKs,.*,seed,.*epochsDone,epochs,attempts,testNll,testBound,L_1,L_5,L_20,trainBound,/,
    );
    expect(lines).toHaveLength(3);

    const bad = await runCli(['results', '--db', db, '--where', 'bogus>1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--where: got "bogus", expected a column/);

    const q = await runCli([
      'query',
      'select objective, count(*) as n from trials group by objective order by 1',
      '--db',
      db,
      '--format',
      'json',
    ]);
    expect(JSON.parse(q.stdout)).toEqual([
      { objective: 'iwae', n: 4 },
      { objective: 'vae', n: 4 },
    ]);
    const write = await runCli(['query', "update trials set status = 'queued'", '--db', db]);
    expect(write.code).toBe(2);
    expect(write.stderr).toMatch(/read-only/);
    const after = await runCli([
      'query',
      "select count(*) as n from trials where status = 'done'",
      '--db',
      db,
      '--format',
      'json',
    ]);
    expect(JSON.parse(after.stdout)).toEqual([{ n: 4 }]);
  });

  it('report writes a self-contained page: the paper table, bounds against K, what lies beyond L_evalK, labelled learning curves', async () => {
    const out = tmp.file('report.html');
    const rep = await runCli(['report', '--db', db, '--sweep', 'tiny', '--out', out]);
    expect(rep.code, rep.stderr).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<table class="paper" id="paper-table">');
    // Groups differ in learning rate too: each row says so, and 0.001 and 1 are never pooled.
    expect(html).toMatch(/<td>1 layer<br><span class="muted">learningRate=0.001<\/span><\/td><td class="num">5<\/td>/);
    expect(html).toContain('id="chart-nll"');
    expect(html).toContain('id="chart-bound"');
    // No 1/k fit labelled log p(x): the jackknife, named an estimate, and the ESS that qualifies it.
    expect(html).not.toMatch(/≈ log p\(x\)|fit-table/);
    expect(html).toContain('id="beyond-table"');
    expect(html).toContain('log p(x) jackknife est. (not a bound)');
    // Both training bounds, each on its own chart and named for what it is.
    expect(html).toContain('id="chart-train-lk"');
    expect(html).toContain('id="chart-train-elbo"');
    // A 2-epoch, 300-image sweep is not the paper's setup: no paper numbers, and the reasons.
    expect(html).not.toContain('paper 86.');
    expect(html).toMatch(/The paper's numbers are not shown:.*<li>schedule: 2 epochs at a constant rate/s);
    expect(html).toContain('<li>trainSize 300 (paper: 60000, or 59600 + 400 held out)</li>');
    expect(html).toContain('id="failed"');
    expect(html).not.toMatch(/<script src=|<link /);
    const data = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)?.[1] ?? '{}');
    expect(data.paperTable).toHaveLength(4);
    // One curve per finished model, L_k rising with k; the jackknife above L_evalK in every group.
    const curves = data.boundCurves as { points: { k: number; bound: number }[] }[];
    expect(curves).toHaveLength(4);
    for (const c of curves) {
      const bounds = c.points.map((p) => p.bound);
      expect(bounds).toEqual([...bounds].sort((x, y) => x - y));
    }
    for (const r of data.paperTable as { nllMean: number; jackknifeMean: number; essMedianMean: number }[]) {
      expect(r.jackknifeMean).toBeGreaterThan(-r.nllMean);
      expect(r.essMedianMean).toBeGreaterThanOrEqual(1);
      expect(r.essMedianMean).toBeLessThanOrEqual(100);
    }
    const lc = data.learningCurves[0];
    expect(lc.epochs).toEqual([1, 2]);
    // The ELBO estimate lies below L_K for K > 1 (Jensen), at every epoch.
    for (const c of data.learningCurves as { trainElbo: number[]; trainIwae: number[] }[]) {
      for (const [i, elbo] of c.trainElbo.entries()) expect(elbo).toBeLessThan(c.trainIwae[i] as number);
    }
    expect(data.curveCharts.map((c: { key: string }) => c.key)).toEqual(['trainIwae', 'trainElbo']);
  });
});
