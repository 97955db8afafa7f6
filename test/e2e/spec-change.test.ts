import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';
import { writeLrSweep } from '../helpers/lr-sweep-fixture.ts';
import { withDb } from '../helpers/sweep-fixture.ts';

const tmp = tempDir('spec-change');
const file = tmp.file('iwae.db');
// The spec of the finished search in the fixture, as a user would have written it.
const yaml = (epochs: number, rates: string) => `name: lrs
base: { trainSize: 100, testSize: 50, epochs: ${epochs}, evalK: 10, batchSize: 10, k: 5, evalKs: [1, 5] }
grid: { learningRate: [${rates}], objective: [vae, iwae] }
seeds: 2
`;

beforeAll(() => writeLrSweep(file));
afterAll(() => tmp.cleanup());

describe('re-running a changed spec under the same name', () => {
  it('the same spec adds nothing (dry run)', async () => {
    const r = await runCli(['run', tmp.file('same.yaml', yaml(2, '0.001, 0.0003')), '--db', file, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/trials added: 0/);
    expect(r.stdout).toMatch(/would add 0 trials/);
  });

  it('is refused with what changed and how many trials it would add; nothing is written', async () => {
    const spec = tmp.file('changed.yaml', yaml(3, '0.001, 0.0003'));
    const r = await runCli(['run', spec, '--db', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sweep "lrs" exists with a different spec; nothing was changed/);
    expect(r.stderr).toMatch(/changed base\.epochs: 2 → 3/);
    expect(r.stderr).toMatch(/trials added: 8; 8 earlier trials are not in the new spec/);
    expect(r.stderr).toMatch(/--extend/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const l = await runCli(['launch', spec, '--db', file, '--redis', 'redis://127.0.0.1:1']);
    expect(l.code).toBe(2);
    expect(l.stderr).toMatch(/changed base\.epochs: 2 → 3/);
    withDb(file, (db) => {
      expect(db.trialsOf('lrs')).toHaveLength(8);
      expect(JSON.parse(db.getSweep('lrs')?.specJson ?? '{}').base.epochs).toBe(2);
    });
  });

  it('--dry-run lists the trials it would add with their estimated cost', async () => {
    const spec = tmp.file('more.yaml', yaml(2, '0.001, 0.0003, 0.0001'));
    const r = await runCli(['run', spec, '--db', file, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/changed grid\.learningRate: \[0\.001,0\.0003\] → \[0\.001,0\.0003,0\.0001\]/);
    const rows = r.stdout.split('\n').filter((l) => /^t[0-9a-f]{20}\s/.test(l));
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row).toMatch(/0\.0001\s.*\d+\.\d GFLOP$/);
    expect(r.stdout).toMatch(/would add 4 trials, estimated [\d.]+ GFLOP in all \(dry run: nothing written\)/);
    withDb(file, (db) => expect(db.trialsOf('lrs')).toHaveLength(8));
  });
});
