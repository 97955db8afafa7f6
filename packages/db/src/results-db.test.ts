import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandSweep, sweepSpecFromObject, type TrialResult, ValidationError } from '@iwae-sweep/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReadOnlyQueryError, UnknownEntityError } from './errors.ts';
import { readOnlyQuery } from './read-only-query.ts';
import { ResultsDb } from './results-db.ts';
import { fillSweep, fixtureResult } from './test-fixtures.ts';

let dir: string;
let file: string;
let db: ResultsDb;

const plan = expandSweep(
  sweepSpecFromObject({
    name: 'db-test',
    base: { trainSize: 100, testSize: 50, epochs: 2, evalK: 10, batchSize: 10 },
    grid: { k: [2, 5], objective: ['vae', 'iwae'] },
    seeds: 2,
  }),
);

function resultFor(trialIndex: number, nll: number): TrialResult {
  const t = plan.trials[trialIndex];
  if (!t) throw new Error('no trial');
  return fixtureResult(t, nll);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iwae-db-'));
  file = join(dir, 'sub', 'iwae.db');
  db = ResultsDb.open(file);
  fillSweep(db, plan, { description: 'test' });
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ResultsDb', () => {
  it('creates and migrates a fresh file that the sqlite3 CLI can read', () => {
    const tables = execFileSync('sqlite3', [file, '.tables'], { encoding: 'utf8' });
    for (const t of ['sweeps', 'trials', 'epochs', '__drizzle_migrations']) expect(tables).toContain(t);
    expect(execFileSync('sqlite3', [file, 'pragma journal_mode'], { encoding: 'utf8' }).trim()).toBe('wal');
    expect(execFileSync('sqlite3', [file, 'select count(*) from trials'], { encoding: 'utf8' }).trim()).toBe('8');
    // Opening again applies nothing new and keeps the data.
    db.close();
    db = ResultsDb.open(file);
    expect(db.trialsOf(plan.sweepId)).toHaveLength(8);
  });

  it('adds trials once: re-adding a plan changes nothing', () => {
    expect(db.addTrials(plan.sweepId, plan.trials)).toEqual({ added: 0, existing: 8 });
    expect(db.trialsOf(plan.sweepId)).toHaveLength(8);
  });

  it('records epochs and results idempotently', () => {
    const id = plan.trials[0]?.id as string;
    db.trialStarted(id, { host: 'h1', backend: 'wasm' });
    const epoch = { epoch: 1, trainBound: -150, seconds: 2, examplesPerSecond: 50, learningRate: 0.001 };
    expect(db.recordEpoch(id, epoch)).toBe(true);
    expect(db.recordEpoch(id, { ...epoch, trainBound: -999 })).toBe(false);
    expect(db.epochsOf(id).map((e) => e.trainBound)).toEqual([-150]);
    expect(db.getTrial(id)?.epochsDone).toBe(1);

    const r = resultFor(0, 120);
    expect(db.recordResult(id, r)).toBe(true);
    expect(db.recordResult(id, { ...r, testNll: 1 })).toBe(false);
    const row = db.results({ where: [{ column: 'trial', op: '=', value: id }] })[0];
    expect(row?.testNll).toBe(120);
    expect(row?.status).toBe('done');
    expect(row?.testBoundsByK).toEqual({ '1': -123, '5': -121 });
    // The result's history filled epoch 2; epoch 1 kept its first value.
    expect(db.epochsOf(id).map((e) => e.trainBound)).toEqual([-150, -122]);
    // A finished trial is never reopened by a late start, failure or cancel.
    db.trialStarted(id);
    db.trialFailed(id, { message: 'late duplicate' }, { final: true });
    expect(db.setTrialStatus([id], 'cancelled')).toBe(0);
    expect(db.getTrial(id)?.status).toBe('done');
    expect(db.getTrial(id)?.attempts).toBe(1);
  });

  it('rejects bad input with the field, the value and what was expected, and loses nothing', () => {
    const id = plan.trials[1]?.id as string;
    db.recordEpoch(id, { epoch: 1, trainBound: -150, seconds: 2, examplesPerSecond: 50, learningRate: 0.001 });
    expect(() =>
      db.recordEpoch(id, { epoch: 0, trainBound: Number.NaN, seconds: 1, examplesPerSecond: 1, learningRate: 0.1 }),
    ).toThrow(ValidationError);
    expect(() =>
      db.recordEpoch(id, { epoch: 2, trainBound: Number.NaN, seconds: 1, examplesPerSecond: 1, learningRate: 0.1 }),
    ).toThrow(/trainBound: got NaN, expected number/);
    const bad = { ...resultFor(1, 100), activeUnits: -1 };
    expect(() => db.recordResult(id, bad)).toThrow(/activeUnits: got -1, expected a number ≥ 0/);
    expect(() =>
      db.recordEpoch('t-missing', { epoch: 1, trainBound: -1, seconds: 1, examplesPerSecond: 1, learningRate: 0.1 }),
    ).toThrow(UnknownEntityError);
    expect(db.epochsOf(id)).toHaveLength(1);
    expect(db.getTrial(id)?.status).toBe('queued');
  });

  it('summarises sweeps by status and answers filtered, sorted result queries', () => {
    plan.trials.forEach((t, i) => {
      if (i < 4) db.recordResult(t.id, resultFor(i, 100 + i));
    });
    db.trialFailed(plan.trials[4]?.id as string, { message: 'boom', stack: 'Error: boom\n  at x' }, { final: true });
    db.trialStarted(plan.trials[5]?.id as string);
    const [s] = db.sweepSummaries();
    expect(s).toMatchObject({ id: 'db-test', total: 8, done: 4, failed: 1, running: 1, queued: 2, cancelled: 0 });
    const done = db.results({
      sweepId: 'db-test',
      where: [{ column: 'status', op: '=', value: 'done' }],
      sort: [{ column: 'testNll', descending: true }],
    });
    expect(done.map((r) => r.testNll)).toEqual([103, 102, 101, 100]);
    const failed = db.results({ where: [{ column: 'status', op: '=', value: 'failed' }] });
    expect(failed[0]?.error).toBe('boom');
    // Two seeds of the one model that matches (an empty answer must not pass).
    const iwae5 = db.results({
      where: [
        { column: 'k', op: '>=', value: 5 },
        { column: 'objective', op: '=', value: 'iwae' },
      ],
    });
    expect(iwae5.map((r) => `${r.objective} k=${r.k}`)).toEqual(['iwae k=5', 'iwae k=5']);
    // The column whitelist is the DB's own: a condition or sort key outside it never reaches SQL.
    expect(() => db.results({ where: [{ column: 'constructor', op: '=', value: 1 }] })).toThrow(
      /column: got "constructor", expected a results column/,
    );
    expect(() => db.results({ sort: [{ column: 'bogus', descending: false }] })).toThrow(/column: got "bogus"/);
    expect(() => db.countResults({ where: [{ column: 'k', op: '; drop' as '=', value: 1 }] })).toThrow(/op: got "; drop"/);
  });

  it('builds the paper table with mean ± sd over seeds', () => {
    // Seeds 0 and 1 of the same model: NLL 100 and 104 → mean 102, sd 2.83.
    const groups = new Map<string, number[]>();
    plan.trials.forEach((t, i) => {
      const key = `${t.config.objective}-${t.config.k}`;
      groups.set(key, [...(groups.get(key) ?? []), i]);
    });
    for (const [, idx] of groups) {
      db.recordResult(plan.trials[idx[0] as number]?.id as string, resultFor(idx[0] as number, 100));
      db.recordResult(plan.trials[idx[1] as number]?.id as string, resultFor(idx[1] as number, 104));
    }
    // Duplicate deliveries of results and epochs do not count twice in the aggregates.
    const first = plan.trials[0] as (typeof plan.trials)[number];
    db.recordResult(first.id, resultFor(0, 100));
    db.recordEpoch(first.id, { epoch: 1, trainBound: -1, seconds: 1, examplesPerSecond: 1, learningRate: 0.001 });
    const table = db.paperTable('db-test');
    expect(table).toHaveLength(4);
    // The aggregates agree with a recomputation from the trial rows.
    const direct = db.sqlite
      .prepare(
        "select objective, k, count(*) as n, avg(test_nll) as nll from trials where sweep_id = 'db-test' and test_nll is not null group by 1, 2",
      )
      .all() as { objective: string; k: number; n: number; nll: number }[];
    for (const d of direct) {
      const row = table.find((r) => r.objective === d.objective && r.k === d.k);
      expect(row?.trials).toBe(d.n);
      expect(row?.nllMean).toBeCloseTo(d.nll, 9);
    }
    const iwae5 = table.find((r) => r.objective === 'iwae' && r.k === 5)?.groupId;
    const bounds = db.groupBounds('db-test').filter((b) => b.groupId === iwae5);
    expect(bounds.map((b) => [b.evalK, b.bound])).toEqual([
      [1, -105],
      [5, -103],
      [10, -102],
    ]);
    const vae1 = table.find((r) => r.objective === 'vae' && r.k === 2)?.groupId;
    const curve = db.groupEpochs('db-test').filter((e) => e.groupId === vae1);
    expect(curve.map((e) => [e.epoch, e.trials])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    for (const row of table) {
      expect(row.trials).toBe(2);
      expect(row.nllMean).toBeCloseTo(102, 9);
      expect(row.nllSd).toBeCloseTo(Math.sqrt(8), 9);
      expect(row.unitsPerLayerMean).toEqual([7]);
    }
  });

  it('query runs reads on a read-only connection and refuses writes', () => {
    const res = readOnlyQuery(file, 'select objective, count(*) as n from trials group by objective order by objective');
    expect(res.columns).toEqual(['objective', 'n']);
    expect(res.rows).toEqual([
      { objective: 'iwae', n: 4 },
      { objective: 'vae', n: 4 },
    ]);
    expect(() => readOnlyQuery(file, "update trials set status = 'done'")).toThrow(ReadOnlyQueryError);
    expect(() => readOnlyQuery(file, 'delete from trials')).toThrow(/read-only/);
    expect(() => readOnlyQuery(file, 'select 1; delete from trials')).toThrow(/exactly one statement/);
    expect(() => readOnlyQuery(file, 'select nope from trials')).toThrow(/no such column: nope/);
    expect(db.trialsOf('db-test')).toHaveLength(8);
  });
});
