import { configGroupId } from '@iwae-sweep/core';
import type { Aggregates } from './aggregates.ts';
import type { DbConnection } from './connection.ts';
import { decodeTrialConfig } from './trial-config-codec.ts';

/**
 * Gives trials written before config groups existed their group id, and rebuilds the aggregates
 * of their sweeps from the trial rows (the old per-(layers, objective, K, latent) sums pooled
 * different configs and cannot be split). Runs once per old DB, on its first writable open.
 */
export function backfillGroups(conn: DbConnection, aggregates: Aggregates): number {
  const { sqlite } = conn;
  const missing = sqlite
    .prepare(
      `select t.id, t.sweep_id as sweepId, c.config_json as configJson
         from trials t join trial_configs c on c.trial_id = t.id where t.group_id is null`,
    )
    .all() as { id: string; sweepId: string; configJson: string }[];
  if (missing.length === 0) return 0;
  const set = sqlite.prepare('update trials set group_id = ? where id = ?');
  conn.guard(`giving ${missing.length} trials their config group`, () =>
    sqlite.transaction(() => {
      for (const t of missing) set.run(configGroupId(decodeTrialConfig(t.configJson, t.id)), t.id);
      for (const sweepId of new Set(missing.map((t) => t.sweepId))) aggregates.rebuild(sweepId);
    })(),
  );
  return missing.length;
}
