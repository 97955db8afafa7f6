import { readFileSync } from 'node:fs';
import { ResultsDb } from '@iwae-sweep/db';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';
import { withDb } from '../helpers/sweep-fixture.ts';

/**
 * `run --reuse`: a trial identical to one that finished in another sweep (config, seed, code) is
 * copied, not trained, and the copy carries exactly the numbers that training it gives.
 */
const tmp = tempDir('reuse');
const file = tmp.file('iwae.db');
const spec = (name: string, ks: string, extra = '') =>
  tmp.file(
    `${name}.yaml`,
    `name: ${name}
base: { objective: iwae, trainSize: 100, testSize: 50, epochs: 2, evalK: 10, batchSize: 10, evalKs: [1, 5], validationSize: 20 }
grid: { k: [${ks}] }
seeds: 1
${extra}`,
  );

type Row = Record<string, unknown>;
const trialOf = (sweep: string, k: number): Row =>
  withDb(file, (db) => db.sqlite.prepare('select * from trials where sweep_id = ? and k = ?').get(sweep, k) as Row);
const epochsOf = (id: unknown): Row[] =>
  withDb(
    file,
    (db) =>
      db.sqlite
        .prepare(
          'select epoch, train_bound, train_elbo, train_iwae, validation_bound, learning_rate, seconds from epochs where trial_id = ? order by epoch',
        )
        .all(id) as Row[],
  );
/** What a trial's own run decides (its identity, attempts and clock), and its provenance. */
const PROVENANCE = [
  'id',
  'sweep_id',
  'reused_from',
  'attempts',
  'worker_id',
  'queued_at',
  'started_at',
  'finished_at',
  'updated_at',
  'result_recorded_at',
];
/** The numbers training computes (not its timings). */
const COMPUTED = [
  'test_nll',
  'test_bound',
  'eval_k',
  'test_bounds',
  'train_bound',
  'last_train_bound',
  'active_units',
  'active_units_per_layer',
  'test_jackknife',
  'test_ess_mean',
  'test_ess_median',
  'epochs_done',
  'status',
];
const pick = (r: Row, keys: string[]) => Object.fromEntries(keys.map((k) => [k, r[k]]));
const omit = (r: Row, keys: string[]) => Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k)));

/** Changes the finished k=5 trials (of `first` and `twin`, the possible sources) for one check, and puts them back. */
function withSources(change: string, fn: () => Promise<void>): Promise<void> {
  const before = ['first', 'twin'].map((s) => trialOf(s, 5));
  const db = ResultsDb.open(file);
  for (const t of before) db.sqlite.prepare(`update trials set ${change} where id = ?`).run(t.id);
  db.close();
  return fn().finally(() => {
    const again = ResultsDb.open(file);
    for (const t of before) {
      again.sqlite
        .prepare('update trials set status = ?, git_sha = ?, backend = ?, result_recorded_at = ? where id = ?')
        .run(t.status, t.git_sha, t.backend, t.result_recorded_at, t.id);
    }
    again.close();
  });
}

afterAll(() => tmp.cleanup());

describe('reusing finished identical trials across sweeps', () => {
  it('trains the original and, without --reuse, an identical twin', async () => {
    for (const name of ['first', 'twin']) {
      const r = await runCli(['run', spec(name, '5'), '--db', file, '--progress', 'lines']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/reuse/);
    }
    const [first, twin] = [trialOf('first', 5), trialOf('twin', 5)];
    expect(first.status).toBe('done');
    expect(twin.reused_from).toBeNull();
    // Deterministic: the twin trained to the same numbers (what makes reuse sound at all).
    expect(pick(twin, COMPUTED)).toEqual(pick(first, COMPUTED));
  }, 300_000);

  it('--dry-run names the trials that would be reused; without --reuse it only says they could be', async () => {
    const source = trialOf('first', 5).id as string;
    const plain = await runCli(['run', spec('copy', '5, 2'), '--db', file, '--dry-run']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/would add 2 trials, estimated [\d.]+ GFLOP in all/);
    expect(plain.stdout).toMatch(/1 of them has a finished identical trial in another sweep: --reuse would copy/);
    const asked = await runCli(['run', spec('copy', '5, 2'), '--db', file, '--dry-run', '--reuse']);
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stdout).toMatch(/would add 2 trials: 1 would be reused, 1 to train, estimated [\d.]+ GFLOP/);
    const rows = asked.stdout.split('\n').filter((l) => /^t[0-9a-f]{20}\s/.test(l));
    expect(rows.filter((l) => l.includes(`first/${source}`))).toHaveLength(1);
    withDb(file, (db) => expect(db.getSweep('copy')).toBeUndefined());
  });

  it('never reuses a trial of another code version or a backend auto would not pick, nor one that is not done', async () => {
    const cases = [
      "git_sha = 'another-commit'",
      // `auto` never picks cpu (its gradients are autodiff's, not the hand-written ones): not what training here would give.
      "backend = 'cpu'",
      "status = 'failed'",
      "status = 'stopped'",
      "status = 'running', result_recorded_at = null",
    ];
    for (const change of cases) {
      await withSources(change, async () => {
        const r = await runCli(['run', spec('copy', '5, 2'), '--db', file, '--dry-run', '--reuse']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout, change).toMatch(/would add 2 trials, estimated/);
        expect(r.stdout, change).not.toMatch(/reused from|would be reused/);
        // A twin of another code version is named as the reason the trial trains; a trial not done is no twin.
        if (change.startsWith('git_sha') || change.startsWith('backend'))
          expect(r.stdout).toMatch(
            /1 has a finished identical trial computed by another code version \(or backend\): never reused/,
          );
        else expect(r.stdout, change).not.toMatch(/identical trial/);
      });
    }
    const stopping = await runCli([
      'run',
      spec('copy-asha', '5, 2', 'stopping: { method: median, minEpochs: 1 }\n'),
      '--db',
      file,
      '--dry-run',
      '--reuse',
    ]);
    expect(stopping.code, stopping.stderr).toBe(0);
    expect(stopping.stdout).toMatch(/--reuse: nothing would be reused: the sweep has a stopping rule/);
  });

  it('--reuse copies the finished trial: the numbers of the trained twin, its original named everywhere', async () => {
    const r = await runCli(['run', spec('copy', '5, 2'), '--db', file, '--progress', 'lines', '--reuse']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/reuse: 1 trial\(s\) copied from finished identical trials of first \(same config, seed and code\)/);
    // The other trial trained: one trial started in this run.
    expect(r.stderr.match(/\bdone\s+iwae 1L K=2/g)).toHaveLength(1);
    expect(r.stderr).not.toMatch(/done\s+iwae 1L K=5/);

    const [first, twin, copy] = [trialOf('first', 5), trialOf('twin', 5), trialOf('copy', 5)];
    expect(copy.reused_from).toBe(first.id);
    expect(copy.attempts).toBe(0);
    // Every column of the original but its identity and clock (timings, host, runtime included)…
    expect(omit(copy, PROVENANCE)).toEqual(omit(first, PROVENANCE));
    // …and exactly the numbers that training it gave the twin, epoch by epoch.
    expect(pick(copy, COMPUTED)).toEqual(pick(twin, COMPUTED));
    const bounds = (rows: Row[]) => rows.map(({ seconds: _s, examples_per_second: _e, ...rest }) => rest);
    expect(bounds(epochsOf(copy.id))).toEqual(bounds(epochsOf(twin.id)));
    expect(epochsOf(copy.id)).toEqual(epochsOf(first.id));
    // The sweep's aggregates pool the copy like a trained trial.
    withDb(file, (db) => {
      const group = (sweep: string) => db.paperTable(sweep).find((g) => g.k === 5);
      expect(group('copy')).toEqual(group('twin'));
    });

    const json = await runCli(['results', '--sweep', 'copy', '--db', file, '--format', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const rows = JSON.parse(json.stdout) as { k: number; reusedFrom: string | null }[];
    expect(rows.find((x) => x.k === 5)?.reusedFrom).toBe(`first/${first.id}`);
    expect(rows.find((x) => x.k === 2)?.reusedFrom).toBeNull();
    const table = await runCli(['results', '--sweep', 'copy', '--db', file]);
    expect(table.stdout).toMatch(/reusedFrom/);
    expect(table.stdout).toContain(`first/${first.id}`);
    const html = tmp.file('copy.html');
    const report = await runCli(['report', '--sweep', 'copy', '--db', file, '--out', html]);
    expect(report.code, report.stderr).toBe(0);
    const text = readFileSync(html, 'utf8');
    expect(text).toMatch(/<dt>reused<\/dt><dd>1 trials copied from finished identical trials of other sweeps/);
    expect(text).toMatch(new RegExp(`<table id="reused">.*<code>${copy.id}</code>.*<code>first/${first.id}</code>`, 's'));
  }, 300_000);

  it('a later copy names the original, and a re-run reuses nothing twice', async () => {
    const r = await runCli(['run', spec('again', '5'), '--db', file, '--progress', 'lines', '--reuse']);
    expect(r.code, r.stderr).toBe(0);
    expect(trialOf('again', 5).reused_from).toBe(trialOf('first', 5).id);
    const rerun = await runCli(['run', spec('again', '5'), '--db', file, '--progress', 'lines', '--reuse']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(/reuse: no trial of the sweep is waiting to start; nothing to reuse/);
  }, 120_000);
});
