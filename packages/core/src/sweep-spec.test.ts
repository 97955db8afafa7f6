import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IwaeSweepError, ValidationError } from './errors.ts';
import { expandSweep } from './expand-sweep.ts';
import { loadSweepSpec, parseSweepSpec } from './sweep-spec.ts';
import { trialId } from './trial-id.ts';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'specs');
const examples = join(import.meta.dirname, '..', '..', '..', 'examples');

describe('the shipped example specs', () => {
  for (const file of readdirSync(examples).filter((f) => f.endsWith('.yaml'))) {
    it(`${file} loads and expands`, () => {
      const plan = expandSweep(loadSweepSpec(join(examples, file)));
      expect(plan.trials.length).toBeGreaterThan(0);
      expect(new Set(plan.trials.map((t) => t.id)).size).toBe(plan.trials.length);
    });
  }

  it('quick.yaml is K ∈ {1,5,50} × {vae,iwae} on one layer (IWAE K=1 is the VAE: 5 trials), most expensive first', () => {
    const plan = expandSweep(loadSweepSpec(join(examples, 'quick.yaml')));
    expect(plan.trials).toHaveLength(5);
    expect(plan.trials.map((t) => `${t.config.objective}${t.config.k}`).sort()).toEqual(
      ['iwae5', 'iwae50', 'vae1', 'vae5', 'vae50'].sort(),
    );
    const flops = plan.trials.map((t) => t.flops);
    expect(flops).toEqual([...flops].sort((a, b) => b - a));
    expect(plan.trials[0]?.config.k).toBe(50);
  });

  it('paper-table1.yaml uses the paper schedule (3,280 passes) and batch 20', () => {
    const plan = expandSweep(loadSweepSpec(join(examples, 'paper-table1.yaml')));
    // K ∈ {1, 5, 50} × {vae, iwae} × 2 models: the two IWAE K=1 cells are the VAE's trials.
    expect(plan.trials).toHaveLength(10);
    for (const t of plan.trials) {
      expect(t.config.schedule).toEqual({ type: 'paper', stages: 8 });
      expect(t.config.batchSize).toBe(20);
    }
  });
});

describe('a corpus of bad spec files', () => {
  const bad = join(fixtures, 'bad');
  for (const file of readdirSync(bad).sort()) {
    it(`${file} is rejected with a clear message`, () => {
      const text = readFileSync(join(bad, file), 'utf8');
      const expected = /^# expect: (.*)$/m.exec(text)?.[1];
      expect(expected, 'fixture lacks an "# expect:" line').toBeDefined();
      let error: unknown;
      try {
        expandSweep(parseSweepSpec(text, file));
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(IwaeSweepError);
      const message = (error as Error).message;
      expect(message).toContain(file);
      expect(message).toContain(expected);
    });
  }
});

describe('expansion', () => {
  const spec = (extra: string) =>
    parseSweepSpec(`name: s\nbase: { trainSize: 100, testSize: 10, evalK: 10, batchSize: 10, epochs: 1 }\n${extra}`);

  it('takes the product of grid values, times random draws, times seeds', () => {
    const plan = expandSweep(
      spec(
        'grid:\n  k: [2, 5]\n  objective: [vae, iwae]\nrandom:\n  samples: 3\n  params:\n    latent: { int: [2, 50] }\nseeds: [3, 4]',
      ),
    );
    expect(plan.trials).toHaveLength(2 * 2 * 3 * 2);
    expect(new Set(plan.trials.map((t) => t.config.seed))).toEqual(new Set([3, 4]));
    for (const t of plan.trials) {
      expect(t.config.latent).toBeGreaterThanOrEqual(2);
      expect(t.config.latent).toBeLessThanOrEqual(50);
    }
  });

  it('random draws are reproducible from their seed', () => {
    const a = expandSweep(
      spec(
        'random:\n  samples: 4\n  seed: 9\n  params:\n    learningRate: { logUniform: [0.0001, 0.01] }\n    objective: { choice: [vae, iwae] }\n    k: { int: [1, 50] }',
      ),
    );
    const b = expandSweep(
      spec(
        'random:\n  samples: 4\n  seed: 9\n  params:\n    learningRate: { logUniform: [0.0001, 0.01] }\n    objective: { choice: [vae, iwae] }\n    k: { int: [1, 50] }',
      ),
    );
    expect(a.trials.map((t) => t.id)).toEqual(b.trials.map((t) => t.id));
    for (const t of a.trials) {
      expect(t.config.learningRate).toBeGreaterThanOrEqual(0.0001);
      expect(t.config.learningRate).toBeLessThanOrEqual(0.01);
    }
  });

  it('ids are content hashes: reordering or extending the spec keeps existing ids, equal configs dedup', () => {
    const a = expandSweep(spec('grid:\n  k: [1, 5]\n  objective: [iwae]'));
    const b = expandSweep(spec('grid:\n  objective: [iwae]\n  k: [5, 1, 50]'));
    const idsA = new Set(a.trials.map((t) => t.id));
    expect(b.trials.filter((t) => idsA.has(t.id))).toHaveLength(2);
    expect(b.trials).toHaveLength(3);
    // latent1 does not exist in a 1-layer model: values that differ only there are one trial.
    const c = expandSweep(spec('grid:\n  k: [5]\n  objective: [iwae]\n  latent1: [10, 20, 30]'));
    expect(c.trials).toHaveLength(1);
    // The sweep name is part of the id.
    const t = a.trials[0];
    if (!t) throw new Error('no trial');
    expect(trialId('other', t.config)).not.toBe(t.id);
    expect(t.id).toMatch(/^t[0-9a-f]{20}$/);
  });

  it('reports every problem at once, at its source line', () => {
    try {
      expandSweep(parseSweepSpec('name: s\ngrid:\n  k: [0, 5]\n  objective: [vae, x]\n', 'two.yaml'));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      const problems = (err as ValidationError).problems;
      expect(problems.map((p) => [p.field, p.line])).toEqual([
        ['grid.k[0]', 3],
        ['grid.objective[1]', 4],
      ]);
    }
  });
});

describe('normalised configs', () => {
  it('always satisfy the schema they were normalised from (workers re-validate them)', async () => {
    const { normalizeTrialConfig, trialConfigSchema } = await import('./trial-config.ts');
    for (const testSize of [2, 3, 50, 10_000]) {
      for (const layers of [1, 2] as const) {
        const c = normalizeTrialConfig({
          objective: 'iwae',
          k: 1,
          layers,
          testSize,
          trainSize: 20,
          batchSize: 20,
          evalK: 3,
          evalKs: [3, 1, 1],
        });
        expect(trialConfigSchema.safeParse(c).success).toBe(true);
        expect(normalizeTrialConfig(c)).toEqual(c);
      }
    }
    expect(() => normalizeTrialConfig({ objective: 'iwae', k: 1, testSize: 1 })).toThrow(
      /testSize: got 1, expected a number ≥ 2/,
    );
  });
});
