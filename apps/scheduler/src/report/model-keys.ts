import { type ConfigValue, configValues, type ResultsDb, varyingColumns } from '@iwae-sweep/db';
import { samplesLabel } from '../web/estimator-labels.js';
import { type PaperSetupCheck, paperSetupCheck } from './paper-setup.ts';

/**
 * A config group as the report shows it: trials whose normalised configs differ only by seed
 * (they are pooled, never coarser), with the model fields and the other fields that tell it
 * apart from the sweep's other groups (e.g. `learningRate: 0.0003`).
 */
export interface ModelKey {
  groupId: string;
  layers: number;
  objective: string;
  k: number;
  /** Groups of K samples (miwae, piwae) and ciwae's ELBO weight; null for the other objectives. */
  m: number | null;
  beta: number | null;
  /** "K=50", or "M=5 × K=10" for miwae/piwae (their bound uses m·K samples per point). */
  samples: string;
  latent: number;
  /** Config fields, beyond layers/objective/K/latent, whose values differ between the sweep's groups. */
  distinct: Record<string, ConfigValue>;
  evalK: number;
  validationK: number;
  validationSize: number;
  /** Whether the paper's Table 1 numbers may stand next to this group's, and if not, why not. */
  paperSetup: PaperSetupCheck;
}

/** The model columns every report row shows already (not repeated in `distinct`). */
const SHOWN = ['layers', 'objective', 'k', 'latent', 'seed'] as const;

/**
 * The sweep's config groups as every view names them: model fields, and the fields that tell a
 * group from the others. `keyOf` answers for a group id the DB no longer knows, too.
 */
export function modelKeys(db: ResultsDb, sweepId: string) {
  const groups = db.groups(sweepId);
  const varying = varyingColumns(
    groups.map((g) => g.config),
    SHOWN,
  );
  const keys = new Map<string, ModelKey>(
    groups.map((g) => {
      const values = configValues(g.config);
      const distinct = Object.fromEntries(varying.map((name) => [name, values[name] ?? null]));
      const { layers, objective, k, latent, evalK, validationK, validationSize } = g.config;
      const paperSetup = paperSetupCheck(g.config);
      const m = g.config.m ?? null;
      const beta = g.config.beta ?? null;
      const samples = samplesLabel({ k, m });
      return [
        g.groupId,
        {
          groupId: g.groupId,
          layers,
          objective,
          k,
          m,
          beta,
          samples,
          latent,
          distinct,
          evalK,
          validationK,
          validationSize,
          paperSetup,
        },
      ];
    }),
  );
  const keyOf = (groupId: string): ModelKey =>
    keys.get(groupId) ?? {
      groupId,
      layers: 0,
      objective: '?',
      k: 0,
      m: null,
      beta: null,
      samples: '?',
      latent: 0,
      distinct: {},
      evalK: 0,
      validationK: 0,
      validationSize: 0,
      paperSetup: { comparable: false, differences: ['config unknown'] },
    };
  return { varying, keys, keyOf };
}
