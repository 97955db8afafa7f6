import { type TrialConfig, trialConfigSchema } from '@iwae-sweep/core';

/** A value of a config column: numbers stay numbers, lists stay lists. */
export type ConfigValue = string | number | number[] | null;

/** One trial-config field as a results column: its name, JSON path, SQL and default. */
export interface ConfigColumn {
  name: string;
  path: string[];
  /** The SQL of the column over `trials t` joined with `trial_configs c`. */
  sql: string;
  kind: 'number' | 'text' | 'list';
  /** The schema's default, for configs stored before the field existed (null if none). */
  fallback: ConfigValue;
}

/** Config fields that `trials` also stores in indexed columns: filter and sort on those. */
const ON_TRIALS: Record<string, string> = {
  objective: 't.objective',
  k: 't.k',
  latent: 't.latent',
  layers: 't.layers',
  seed: 't.seed',
  batchSize: 't.batch_size',
  trainSize: 't.train_size',
};

interface ZodDefLike {
  type: string;
  innerType?: { _zod: { def: ZodDefLike } };
  defaultValue?: unknown;
  shape?: Record<string, { _zod: { def: ZodDefLike } }>;
  options?: { _zod: { def: ZodDefLike } }[];
  values?: unknown[];
}

function unwrap(def: ZodDefLike): { def: ZodDefLike; fallback: unknown } {
  let fallback: unknown;
  while ((def.type === 'default' || def.type === 'optional' || def.type === 'prefault') && def.innerType) {
    if (def.type === 'default' && fallback === undefined) fallback = def.defaultValue;
    def = def.innerType._zod.def;
  }
  return { def, fallback };
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const sqlLiteral = (v: unknown) =>
  typeof v === 'number' ? String(v) : typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : 'null';

/**
 * The results columns of every trial-config field, derived from the trial-config schema so a
 * field added there is a column everywhere without further code. Object fields are flattened:
 * `schedule.type` is `schedule`, `schedule.epochs` is `scheduleEpochs`. Stored configs written
 * before a field existed read as its default (as the config decoder fills it in).
 */
function deriveConfigColumns(): ConfigColumn[] {
  const out: ConfigColumn[] = [];
  const add = (name: string, path: string[], def: ZodDefLike, fallback: unknown) => {
    const kind = def.type === 'array' ? 'list' : def.type === 'number' || numericLiteral(def) ? 'number' : 'text';
    const json = `json_extract(c.config_json, '$.${path.join('.')}')`;
    const sql =
      ON_TRIALS[name] ??
      (fallback !== undefined && kind !== 'list' && typeof fallback !== 'object'
        ? `coalesce(${json}, ${sqlLiteral(fallback)})`
        : json);
    const plain = fallback !== undefined && (typeof fallback !== 'object' || Array.isArray(fallback));
    out.push({ name, path, sql, kind, fallback: plain ? (fallback as ConfigValue) : null });
  };
  for (const [field, schema] of Object.entries(trialConfigSchema.shape)) {
    const { def, fallback } = unwrap((schema as unknown as { _zod: { def: ZodDefLike } })._zod.def);
    const variants = def.type === 'object' ? [def] : def.type === 'union' ? (def.options ?? []).map((o) => o._zod.def) : [];
    if (variants.length > 0 && variants.every((v) => v.type === 'object')) {
      const subs = new Map<string, ZodDefLike>();
      for (const v of variants)
        for (const [sub, s] of Object.entries(v.shape ?? {})) if (!subs.has(sub)) subs.set(sub, unwrap(s._zod.def).def);
      for (const [sub, subDef] of subs)
        add(sub === 'type' ? field : `${field}${capitalise(sub)}`, [field, sub], subDef, undefined);
    } else {
      add(field, [field], def, fallback);
    }
  }
  return out;
}

function numericLiteral(def: ZodDefLike): boolean {
  return def.type === 'literal' && (def.values ?? []).every((v) => typeof v === 'number');
}

export const CONFIG_COLUMNS: readonly ConfigColumn[] = deriveConfigColumns();

/** A config's values by column name. */
export function configValues(config: Partial<TrialConfig>): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = {};
  for (const col of CONFIG_COLUMNS) {
    let v: unknown = config;
    for (const p of col.path) v = v === null || typeof v !== 'object' ? undefined : (v as Record<string, unknown>)[p];
    out[col.name] = v === undefined ? col.fallback : (v as ConfigValue);
  }
  return out;
}

/** The config columns whose values are not all equal across these configs (in schema order). */
export function varyingColumns(configs: Partial<TrialConfig>[], ignore: readonly string[] = []): string[] {
  const values = configs.map(configValues);
  return CONFIG_COLUMNS.map((c) => c.name).filter(
    (name) => !ignore.includes(name) && new Set(values.map((v) => JSON.stringify(v[name]))).size > 1,
  );
}
