import { CONFIG_COLUMNS } from '@iwae-sweep/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';
import { writeLrSweep } from '../helpers/lr-sweep-fixture.ts';

const tmp = tempDir('results-cli');
const file = tmp.file('iwae.db');
const cli = async (...args: string[]) => {
  const r = await runCli(['results', '--db', file, '--sweep', 'lrs', ...args]);
  expect(r.stderr, args.join(' ')).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
};
function parseCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\r\n');
  const names = (head ?? '').split(',');
  // No field of these rows contains a comma except evalKs, which is space-separated.
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i] as string, v])));
}

beforeAll(() => writeLrSweep(file));
afterAll(() => tmp.cleanup());

describe('results: every config field, one set of names, numbers as numbers', () => {
  it('CSV and JSON carry every config column under the same names, with numeric epochs', async () => {
    const csv = parseCsv(await cli('--format', 'csv', '--sort', 'learningRate,objective,seed'));
    const json = JSON.parse(await cli('--format', 'json', '--sort', 'learningRate,objective,seed')) as Record<string, unknown>[];
    expect(csv).toHaveLength(8);
    expect(json).toHaveLength(8);
    const names = Object.keys(csv[0] ?? {});
    expect(Object.keys(json[0] ?? {})).toEqual(names);
    for (const c of CONFIG_COLUMNS) expect(names).toContain(c.name);
    for (const n of ['sweep', 'trial', 'group', 'status', 'epochs', 'epochsDone', 'testNll', 'L_1', 'L_5', 'trainBound'])
      expect(names).toContain(n);
    expect(json[0]).toMatchObject({
      learningRate: 0.0003,
      objective: 'iwae',
      seed: 0,
      epochs: 2,
      epochsDone: 2,
      testNll: 110,
      L_5: -111,
      evalKs: [1, 5],
    });
    expect(csv[0]).toMatchObject({ learningRate: '0.0003', epochs: '2', epochsDone: '2', testNll: '110', evalKs: '1 5' });
  });

  it('filters and sorts on the searched parameter', async () => {
    const rows = JSON.parse(
      await cli('--format', 'json', '--where', 'learningRate<0.0005 and objective=iwae', '--sort', '-seed'),
    ) as {
      learningRate: number;
      seed: number;
    }[];
    expect(rows.map((r) => [r.learningRate, r.seed])).toEqual([
      [0.0003, 1],
      [0.0003, 0],
    ]);
    // The terminal table shows the fields that vary and names the ones every row shares.
    const table = await cli('--where', 'objective=iwae');
    expect(table.split('\n')[0]).toMatch(/\blearningRate\b.*\btestNll\b/);
    expect(table).toMatch(/\nevery row: .*hidden=200.*\n$/);
    // Fields no row sets (gradSnr, m and beta of other objectives) are not listed as "=null".
    expect(table).not.toMatch(/every row: .*=null/);
  });

  it('--epochs exports one row per epoch (long format) as CSV', async () => {
    const rows = parseCsv(await cli('--epochs', '--format', 'csv', '--where', 'seed=0'));
    expect(rows).toHaveLength(8);
    expect(Object.keys(rows[0] ?? {})).toEqual(
      expect.arrayContaining(['trial', 'learningRate', 'epoch', 'trainBound', 'epochLearningRate']),
    );
    expect(rows.map((r) => r.epoch)).toEqual(['1', '2', '1', '2', '1', '2', '1', '2']);
  });

  it('an unknown sweep or --group-by field is one clear line and exit 2', async () => {
    const nosuch = await runCli(['results', '--db', file, '--sweep', 'nosuch']);
    expect(nosuch.code).toBe(2);
    expect(nosuch.stderr.trim()).toMatch(/--sweep: no sweep "nosuch" in /);
    const bad = await runCli(['results', '--db', file, '--group-by', 'lr']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--group-by: got "lr", expected config fields/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('results --group-by: mean ± sd over seeds, never pooling other fields', () => {
  it('the default grouping (config but seed) keeps learning rates apart and names the best configuration', async () => {
    const groups = JSON.parse(await cli('--group-by', '--format', 'json')) as Record<string, unknown>[];
    expect(groups).toHaveLength(4);
    for (const g of groups) {
      expect(g.n).toBe(2);
      expect(g.testNllSd).toBeCloseTo(Math.SQRT2, 9);
      expect(g.varying).toBe('');
    }
    expect(groups.map((g) => [g.learningRate, g.objective, g.testNllMean])).toEqual([
      [0.001, 'iwae', 91],
      [0.001, 'vae', 95],
      [0.0003, 'iwae', 111],
      [0.0003, 'vae', 115],
    ]);
    const table = await cli('--group-by');
    expect(table).toMatch(
      /best configuration \(lowest mean testNll\): .*objective=iwae.*learningRate=0\.001.* — testNll 91\.00 ± 1\.41 \(n=2\)/,
    );
  });

  it('a coarser grouping says which fields vary inside each group', async () => {
    const groups = JSON.parse(await cli('--group-by', 'objective', '--format', 'json')) as Record<string, unknown>[];
    expect(groups.map((g) => [g.objective, g.n, g.testNllMean, g.varying])).toEqual([
      ['iwae', 4, 101, 'learningRate'],
      ['vae', 4, 105, 'learningRate'],
    ]);
  });
});

describe('query', () => {
  it("--help's example runs on a results DB", async () => {
    const help = await runCli(['query', '--help']);
    const example = /e\.g\. "([^"]+)"/.exec(help.stdout)?.[1];
    expect(example).toBeDefined();
    const r = await runCli(['query', '--db', file, '--format', 'json', example as string]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toHaveLength(4);
  });
});
