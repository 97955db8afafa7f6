import type Database from 'better-sqlite3';
import { getTableColumns } from 'drizzle-orm';
import { CONFIG_COLUMNS } from './config-columns.ts';
import { RESULT_COLUMNS } from './result-columns.ts';
import { epochs } from './schema.ts';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The trial columns each epoch row repeats (long format): its sweep, trial, group and config. */
export const EPOCH_KEY_COLUMNS = ['sweep', 'trial', 'group', ...CONFIG_COLUMNS.map((c) => c.name)];
/** Every column of the epochs table (a column added there appears here), named as in the API. */
export const EPOCH_COLUMNS = Object.entries(getTableColumns(epochs))
  .filter(([key]) => key !== 'trialId')
  // The epoch's own learning rate (after the schedule) is not the config's base rate.
  .map(([key, col]) => ({ name: key === 'learningRate' ? 'epochLearningRate' : key, sql: `e.${col.name}` }));

/** Columns of the `results` view beyond the whitelist: JSON texts a program may decode. */
const JSON_COLUMNS = { testBoundsByK: 't.test_bounds', activeUnitsPerLayer: 't.active_units_per_layer', error: 't.error' };

/**
 * Stable views for SQL and pandas users, under the CLI's column names, generated from the
 * trial-config schema and the epochs table (a field added to either is a column at the next
 * writable open, with no migration):
 * - `results`: one row per trial, every config field, its result and progress;
 * - `results_epochs`: one row per (trial, epoch), long format, with the trial's config fields.
 */
export function analysisViews(): Record<string, string> {
  const trialCols = Object.entries({ ...RESULT_COLUMNS, ...JSON_COLUMNS }).map(([name, sql]) => `${sql} as ${quote(name)}`);
  const from = 'from trials t left join trial_configs c on c.trial_id = t.id';
  const epochCols = EPOCH_COLUMNS.map(({ name, sql }) => `${sql} as ${quote(name)}`);
  const keyCols = EPOCH_KEY_COLUMNS.map((name) => `${RESULT_COLUMNS[name] as string} as ${quote(name)}`);
  return {
    results: `CREATE VIEW results AS select ${trialCols.join(', ')} ${from}`,
    results_epochs: `CREATE VIEW results_epochs AS select ${[...keyCols, ...epochCols].join(', ')} from epochs e join trials t on t.id = e.trial_id left join trial_configs c on c.trial_id = t.id`,
  };
}

/** Creates the analysis views, or recreates one whose definition changed (call on a writable open). */
export function ensureAnalysisViews(sqlite: Database.Database): void {
  for (const [name, text] of Object.entries(analysisViews())) {
    const current = sqlite.prepare("select sql from sqlite_master where type = 'view' and name = ?").get(name) as
      | { sql: string }
      | undefined;
    if (current?.sql === text) continue;
    sqlite.transaction(() => {
      sqlite.exec(`DROP VIEW IF EXISTS ${name}`);
      sqlite.exec(text);
    })();
  }
}
