import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.ts';
import { expectRefused, fingerprint, hostileDb, runMain } from './hostile.ts';

// Hostile sweep specs, run through the real CLI (`run`): each is refused with exit 2 and one
// line naming the file and the problem, before anything is read past the limits or written.
const tmp = tempDir('sec-spec');
const dbDir = join(tmp.dir, 'db');
const db = join(dbDir, 'iwae.db');
let before: Record<string, string>;

const BASE = 'base: { objective: iwae, k: 5, trainSize: 100, testSize: 10, evalK: 10, batchSize: 10, epochs: 1 }';
const ok = (extra: string) => `name: s\n${BASE}\n${extra}`;
const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
for (const [i, n] of ['b', 'c', 'd', 'e', 'f', 'g'].entries())
  bomb.push(
    `${n}: &${n} [${Array(9)
      .fill(`*${String.fromCharCode(97 + i)}`)
      .join(', ')}]`,
  );

const cases: [string, string, RegExp][] = [
  [
    '__proto__ at the top',
    `${ok('')}__proto__: { polluted: 1 }\n`,
    /__proto__ \(line 3\): got "__proto__", expected no such field/,
  ],
  [
    '__proto__ in base',
    `name: s\nbase: { __proto__: { k: 1 }, objective: iwae, k: 5 }\n`,
    /base\.__proto__ \(line 2\): got "__proto__", expected no such field/,
  ],
  [
    'constructor in base',
    ok('').replace('k: 5', 'k: 5, constructor: 1'),
    /base\.constructor \(line 2\): got "constructor", expected no such field/,
  ],
  [
    'hasOwnProperty in grid',
    ok('grid: { hasOwnProperty: [1] }'),
    /grid\.hasOwnProperty \(line 3\): got "hasOwnProperty", expected no such field/,
  ],
  ['toString at the top', ok('toString: 1'), /toString \(line 3\): got 1, expected no such field/],
  ['a misspelt top-level key', ok('gird: { k: [1] }'), /gird \(line 3\).*did you mean `grid`\?/],
  ['a misspelt trial field', ok('grid: { lerningRate: [0.001] }'), /grid\.lerningRate \(line 3\).*did you mean `learningRate`\?/],
  ['seed in base', ok('').replace('k: 5', 'k: 5, seed: 3'), /base\.seed .*seeds go in `seeds`/],
  ['a YAML alias bomb', `${bomb.join('\n')}\n`, /YAML cannot be expanded: .*at most 100 aliases/],
  ['YAML syntax error', 'name: s\ngrid: { k: [1, 2\n', /YAML syntax error/],
  ['binary garbage', '\u0000\u0001\u0002\u00ff\u00fe', /YAML syntax error|expected a mapping/],
  ['an empty file', '', /\(root\) \(line 1\): got .*expected a mapping/],
  ['a list, not a mapping', '- a\n- b\n', /\(root\) \(line 1\): got \["a","b"\], expected a mapping/],
  [
    'a 10-million-point grid',
    ok(
      `grid: { latent: [${Array.from({ length: 1000 }, (_, i) => i + 1)}], hidden: [${Array.from({ length: 100 }, (_, i) => i + 1)}], batchSize: [${Array.from({ length: 100 }, (_, i) => i + 1)}] }`,
    ),
    /sweep size: got 10000000, expected at most 100000 trials \(grid\.latent 1000 × grid\.hidden 100 × grid\.batchSize 100 × seeds 1/,
  ],
  [
    '100,000 samples × 10,000 seeds',
    ok('random: { samples: 100000, params: { latent: { int: [2, 50] } } }\nseeds: 10000'),
    /sweep size: got 1000000000, expected at most 100000 trials \(random\.samples 100000 × seeds 10000/,
  ],
  [
    'samples over the schema limit',
    ok('random: { samples: 100001, params: { latent: { int: [2, 50] } } }'),
    /random\.samples \(line 3\): got 100001, expected a number ≤ 100000/,
  ],
  ['k = 0', ok('grid: { k: [0, 5] }'), /grid\.k\[0\] \(line 3\): got 0, expected a number ≥ 1/],
  ['k = .nan', ok('grid: { k: [.nan] }'), /grid\.k\[0\] \(line 3\): got NaN/],
  ['learningRate = .inf', ok('grid: { learningRate: [.inf] }'), /grid\.learningRate\[0\] \(line 3\): got Infinity/],
  ['k = 1e309', ok('grid: { k: [1e309] }'), /grid\.k\[0\] \(line 3\): got Infinity/],
  ['k as a string', ok('grid: { k: ["5"] }'), /grid\.k\[0\] \(line 3\): got "5", expected number/],
  ['duplicate keys', 'name: s\nname: t\n', /YAML syntax error at line 2: Map keys must be unique/],
  ['a name with a path', ok('').replace('name: s', 'name: ../../etc'), /name \(line 1\): got "\.\.\/\.\.\/etc", expected a name/],
  ['a name with a terminal escape', ok('').replace('name: s', 'name: "a\\e[2Jb"'), /name \(line 1\): got "a\\u001b\[2Jb"/],
  [
    'a C1 control (one-byte CSI) in a value',
    ok('grid: { objective: ["\\u009b31mred"] }'),
    /grid\.objective\[0\] \(line 3\): got "\\u009b31mred"/,
  ],
  [
    'logUniform from 0',
    ok('random: { samples: 1, params: { learningRate: { logUniform: [0, 1] } } }'),
    /random\.params\.learningRate/,
  ],
  ['a negative seed in a list', ok('seeds: [-1]'), /seeds\[0\] \(line 3\): got -1, expected a number ≥ 0/],
  [
    'evalKs over evalK',
    ok('').replace('evalK: 10', 'evalK: 10, evalKs: [50]'),
    /base\.evalKs\[0\] \(line 2\): got 50, expected a K ≤ evalK \(10\)/,
  ],
  ['an unknown backend', ok('backend: cuda'), /backend \(line 3\): got "cuda", expected one of/],
];

beforeAll(() => {
  execFileSync('mkdir', ['-p', dbDir]);
  hostileDb(db);
  before = fingerprint(dbDir);
});
afterAll(() => tmp.cleanup());

describe('hostile spec files', () => {
  for (const [name, text, pattern] of cases) {
    it(`${name}: exit 2, one line, DB unchanged`, async () => {
      const file = tmp.file(`${name.replace(/[^a-z0-9]+/gi, '-')}.yaml`, text);
      const r = await runMain(['run', file, '--db', db]);
      expectRefused(r, pattern);
      expect(r.stderr).toContain(file);
      expect(fingerprint(dbDir)).toEqual(before);
    });
  }

  it('every problem of a spec is reported in one pass', async () => {
    const file = tmp.file('many.yaml', 'name: s\nbase: { objective: iwea, kk: 5, epocs: 0 }\ngird: {}\n');
    const r = await runMain(['run', file, '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    for (const p of [
      /base\.objective .*got "iwea"/,
      /base\.kk .*did you mean `k`\?/,
      /base\.epocs .*did you mean `epochs`\?/,
      /gird .*did you mean `grid`\?/,
      /k: got \(missing\)/,
    ]) {
      expect(r.stderr).toMatch(p);
    }
    expect(fingerprint(dbDir)).toEqual(before);
  });

  const special: [string, () => string, RegExp][] = [
    ['/dev/zero', () => '/dev/zero', /\/dev\/zero: not a regular file \(a device\)/],
    [
      'a FIFO with no writer',
      () => {
        const fifo = join(tmp.dir, 'fifo.yaml');
        execFileSync('mkfifo', [fifo]);
        return fifo;
      },
      /fifo\.yaml: not a regular file \(a FIFO\)/,
    ],
    ['a directory', () => tmp.dir, /not a regular file \(a directory\)/],
    [
      'a file over 1 MiB',
      () => tmp.file('big.yaml', `name: s\n# ${'x'.repeat(1024 * 1024)}\n`),
      /big\.yaml: 1048587 bytes: expected a spec of at most 1048576 bytes/,
    ],
    ['a missing file', () => join(tmp.dir, 'nope.yaml'), /nope\.yaml: cannot read the file \(ENOENT\)/],
  ];
  for (const [name, make, pattern] of special) {
    it(`${name} is refused before it is read`, async () => {
      const r = await runMain(['run', make(), '--db', db]);
      expectRefused(r, pattern);
      expect(fingerprint(dbDir)).toEqual(before);
    });
  }
});

describe('spec overrides', () => {
  it('are applied and validated like the file', async () => {
    const file = tmp.file('over.yaml', ok('grid: { k: [1, 5] }'));
    const r = await runMain(['run', file, '--db', db, 'grid.k=[1,5,50]', 'seeds=2', '--max-trials', '5']);
    // The overrides made 6 trials: the cap (5) names them, so they were applied.
    expectRefused(r, /sweep size: got 6, expected at most 5 trials \(grid\.k 3 × seeds 2/);
  });
});
