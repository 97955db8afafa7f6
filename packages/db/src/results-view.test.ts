import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configGroupId, expandSweep, type PlannedTrial, sweepSpecFromObject, trialId } from '@iwae-sweep/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFIG_COLUMNS } from './config-columns.ts';
import { readOnlyQuery } from './read-only-query.ts';
import { ResultsDb } from './results-db.ts';
import { fillSweep, fixtureResult } from './test-fixtures.ts';

// Two learning rates × 2 seeds, everything else equal: two config groups of two seeds each.
const plan = expandSweep(
  sweepSpecFromObject({
    name: 'lr',
    base: { trainSize: 100, testSize: 50, epochs: 2, evalK: 10, batchSize: 10, k: 5, objective: 'iwae', evalKs: [1, 5] },
    grid: { learningRate: [0.001, 0.0003] },
    seeds: 2,
  }),
);

/** NLL by learning rate and seed: the two rates differ by 20 nats, seeds by 2. */
const nllOf = (t: PlannedTrial) => (t.config.learningRate === 0.001 ? 90 : 110) + 2 * t.config.seed;

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iwae-view-'));
  file = join(dir, 'iwae.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function filled(): ResultsDb {
  const db = ResultsDb.open(file);
  fillSweep(db, plan, { resultOf: (t) => fixtureResult(t, nllOf(t)) });
  return db;
}

describe('results view: every config field is a column', () => {
  it('shows, filters and sorts on learningRate and every other config field, numbers as numbers', () => {
    const db = filled();
    try {
      const rows = db.results({
        sweepId: 'lr',
        where: [{ column: 'learningRate', op: '<', value: 0.0005 }],
        sort: [{ column: 'seed', descending: true }],
      });
      expect(rows.map((r) => [r.config.learningRate, r.config.seed])).toEqual([
        [0.0003, 1],
        [0.0003, 0],
      ]);
      const row = rows[0];
      for (const c of CONFIG_COLUMNS) expect(row?.config, c.name).toHaveProperty(c.name);
      expect(row?.config).toMatchObject({
        schedule: 'constant',
        scheduleEpochs: 2,
        scheduleStages: null,
        evalKs: [1, 5],
        hidden: 200,
      });
      expect(
        db.results({
          where: [
            { column: 'schedule', op: '=', value: 'constant' },
            { column: 'hidden', op: '=', value: 200 },
          ],
        }),
      ).toHaveLength(4);
      expect(db.countResults({ where: [{ column: 'learningRate', op: '>=', value: 0.001 }] })).toBe(2);
    } finally {
      db.close();
    }
  });
});

describe('pooling by config group', () => {
  it('never pools trials that differ only in learning rate', () => {
    const db = filled();
    try {
      const table = db.paperTable('lr');
      expect(table).toHaveLength(2);
      const byGroup = new Map(table.map((r) => [r.groupId, r]));
      for (const lr of [0.001, 0.0003]) {
        const group = configGroupId(plan.trials.find((t) => t.config.learningRate === lr)?.config as PlannedTrial['config']);
        const row = byGroup.get(group);
        expect(row?.trials).toBe(2);
        expect(row?.nllMean).toBeCloseTo(lr === 0.001 ? 91 : 111, 9);
        expect(row?.nllSd).toBeCloseTo(Math.SQRT2, 9);
      }
      const groups = db.groups('lr');
      expect(groups.map((g) => [g.trials, g.config.learningRate]).sort()).toEqual([
        [2, 0.0003],
        [2, 0.001],
      ]);
      expect(groups.every((g) => !('seed' in g.config))).toBe(true);
      // The incremental sums equal a recomputation from the trial rows.
      const before = [db.paperTable('lr'), db.groupBounds('lr'), db.groupEpochs('lr')];
      db.rebuildAggregates('lr');
      expect([db.paperTable('lr'), db.groupBounds('lr'), db.groupEpochs('lr')]).toEqual(before);
    } finally {
      db.close();
    }
  });

  it('gives an old DB (model-keyed aggregates, no group ids) its groups on open, readers included', () => {
    // Write the file as the previous schema did: the first migration only, trials without group ids.
    const sqlite = new Database(file);
    const drizzle = fileURLToPath(new URL('../drizzle', import.meta.url));
    const journal = JSON.parse(readFileSync(join(drizzle, 'meta/_journal.json'), 'utf8')) as {
      entries: { tag: string; when: number }[];
    };
    const first = journal.entries[0] as { tag: string; when: number };
    for (const stmt of readFileSync(join(drizzle, `${first.tag}.sql`), 'utf8').split('--> statement-breakpoint'))
      sqlite.exec(stmt);
    sqlite.exec(
      'create table __drizzle_migrations (id integer primary key autoincrement, hash text not null, created_at numeric)',
    );
    sqlite.prepare('insert into __drizzle_migrations (hash, created_at) values (?, ?)').run('old', first.when);
    sqlite.prepare("insert into sweeps (id, spec_json, mode, created_at, updated_at) values ('lr', '{}', 'local', 1, 1)").run();
    const insert = sqlite.prepare(
      `insert into trials (id, sweep_id, objective, k, latent, layers, seed, batch_size, train_size, epochs_total, flops,
                           status, test_nll, test_bound, eval_k, active_units, active_units_per_layer, test_bounds,
                           train_seconds, eval_seconds, result_recorded_at, queued_at, updated_at)
       values (?, 'lr', 'iwae', 5, 50, 1, ?, 10, 100, 2, 1, 'done', ?, ?, 10, 7, '[7]', '{"1":-1}', 2, 1, 1, 1, 1)`,
    );
    const config = sqlite.prepare('insert into trial_configs (trial_id, config_json) values (?, ?)');
    for (const t of plan.trials) {
      insert.run(t.id, t.config.seed, nllOf(t), -nllOf(t));
      config.run(t.id, JSON.stringify(t.config));
    }
    // The old aggregate pooled both learning rates into one "model".
    sqlite.exec(`insert into model_stats values ('lr', 1, 'iwae', 5, 50, 4, 404, 0, 28, 0, 28, 0, 8, 4)`);
    sqlite.close();

    const reader = ResultsDb.open(file, { readonly: true });
    try {
      expect(
        reader
          .paperTable('lr')
          .map((r) => [r.trials, r.nllMean])
          .sort(),
      ).toEqual([
        [2, 111],
        [2, 91],
      ]);
      expect(reader.results({ sweepId: 'lr' }).every((r) => r.group?.startsWith('g'))).toBe(true);
      expect(reader.results({ sweepId: 'lr' })).toHaveLength(4);
    } finally {
      reader.close();
    }
  });
});

describe('analysis views for SQL and pandas', () => {
  it('results: one row per trial with every config field; results_epochs: one row per epoch', () => {
    filled().close();
    const trials = readOnlyQuery(file, 'select * from results order by learningRate, seed');
    expect(trials.rows).toHaveLength(4);
    for (const c of CONFIG_COLUMNS) expect(trials.columns).toContain(c.name);
    expect(trials.rows[0]).toMatchObject({ sweep: 'lr', learningRate: 0.0003, seed: 0, testNll: 110, status: 'done', k: 5 });
    const epochs = readOnlyQuery(
      file,
      'select trial, epoch, trainBound, epochLearningRate, learningRate from results_epochs order by trial, epoch',
    );
    expect(epochs.rows).toHaveLength(8);
    expect(epochs.rows[0]).toMatchObject({ epoch: 1, trainBound: -200 });
    // The sqlite3 CLI (and so Python's sqlite3) reads them as well.
    const cli = execFileSync(
      'sqlite3',
      [file, 'select count(*), round(avg(testNll), 1) from results group by learningRate order by 1, 2'],
      {
        encoding: 'utf8',
      },
    );
    expect(cli.trim().split('\n')).toEqual(['2|91.0', '2|111.0']);
  });
});

describe('trials renamed by the config normalisation', () => {
  it('an IWAE K=1 trial queued under its old id is cancelled in favour of the VAE trial; a finished one stays', () => {
    const k1 = expandSweep(
      sweepSpecFromObject({
        name: 'k1',
        base: { trainSize: 100, testSize: 50, epochs: 1, evalK: 10, batchSize: 10 },
        grid: { k: [1], objective: ['vae'] },
        seeds: 2,
      }),
    );
    const db = ResultsDb.open(file);
    try {
      db.saveSweep({ id: 'k1', spec: k1.spec, mode: 'local' });
      db.addTrials('k1', k1.trials);
      // What older code stored: the same configs named iwae, under the ids that name gave.
      const old = k1.trials.map((t) => {
        const config = { ...t.config, objective: 'iwae' as const };
        return { id: trialId('k1', config), config, flops: t.flops };
      });
      db.addTrials('k1', old);
      db.recordResult(old[1]?.id as string, fixtureResult(old[1] as PlannedTrial, 100));
      const planIds = new Set(k1.trials.map((t) => t.id));
      expect(db.retireRenamedTrials('k1', planIds)).toBe(1);
      const first = db.getTrial(old[0]?.id as string);
      expect(first?.status).toBe('cancelled');
      expect(first?.error).toContain(`superseded by ${k1.trials.find((t) => t.config.seed === old[0]?.config.seed)?.id}`);
      expect(db.getTrial(old[1]?.id as string)?.status).toBe('done');
      expect(
        db
          .trialsOf('k1', ['queued'])
          .map((t) => t.id)
          .sort(),
      ).toEqual([...planIds].sort());
      expect(db.retireRenamedTrials('k1', planIds)).toBe(0);
    } finally {
      db.close();
    }
  });
});
