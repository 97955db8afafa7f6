import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli, tempDir } from '../helpers/cli.ts';

// A real, tiny estimator sweep with the gradient-SNR check every 2 epochs: the per-epoch SNR
// travels from the trial processes into the DB, the results, the epochs export and the report.
const tmp = tempDir('estimator-sweep');
afterAll(() => tmp.cleanup());
const spec = tmp.file(
  'estimators.yaml',
  `name: snr-e2e
base: { trainSize: 200, testSize: 40, batchSize: 50, epochs: 3, evalK: 20, m: 2, gradSnr: 4, gradSnrEvery: 2 }
grid:
  k: [2, 4]
  objective: [iwae-dreg, miwae]
`,
);
const db = tmp.file('iwae.db');
const json = async (...args: string[]) => {
  const r = await runCli([...args, '--db', db, '--format', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>[];
};

describe('an estimator sweep with gradSnrEvery, end to end', () => {
  let run: CliResult;
  beforeAll(async () => {
    run = await runCli(['run', spec, '--db', db, '--workers', '2', '--progress', 'lines']);
  }, 180_000);

  it('labels miwae by M × K, and its training L_K by all its M × K samples', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/miwae 1L M=2 × K=4 z=50 s0: epoch 1\/3 .*train L_K \(M=2 × K=4\)/);
    expect(run.stderr).toMatch(/iwae-dreg 1L K=4 z=50 s0: epoch 1\/3 .*train L_K \(K=4\)/);
  });

  it('records the SNR of epochs 2 and 3 (every 2 epochs and the last), none of epoch 1, and the final one per trial', async () => {
    const epochs = await json('results', '--sweep', 'snr-e2e', '--epochs');
    expect(epochs).toHaveLength(12);
    for (const e of epochs) {
      const measured = e.epoch !== 1;
      for (const c of ['snrEncoderMean', 'snrEncoderMedian', 'snrDecoderMean', 'snrDecoderMedian']) {
        expect(typeof e[c], `${e.trial} epoch ${e.epoch} ${c}`).toBe(measured ? 'number' : 'object');
        if (measured) expect(e[c] as number).toBeGreaterThan(0);
      }
    }
    const trials = await json('results', '--sweep', 'snr-e2e');
    for (const t of trials) {
      const last = epochs.find((e) => e.trial === t.trial && e.epoch === 3);
      expect(t.snrEncoderMean).toBe(last?.snrEncoderMean);
      expect(t.snrDecoderMedian).toBe(last?.snrDecoderMedian);
    }
  });

  it('reports the estimator table and the SNR slopes', async () => {
    const out = tmp.file('report.html');
    const r = await runCli(['report', '--db', db, '--sweep', 'snr-e2e', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<td class="num samples">M=2 × K=4</td><td class="num">8</td>');
    expect(html).toMatch(
      /<tr data-series="iwae-dreg 1L"><td>iwae-dreg 1L<\/td><td class="num">2, 4<\/td><td class="num slope-encoder">[−+]\d\.\d\d \(2 points\)/,
    );
  });
});
