import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { expandSweep, sweepSpecFromObject } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import { expect } from 'vitest';
import { main } from '../../apps/scheduler/src/cli.ts';

/** What one in-process run of the CLI printed and returned. */
export interface MainResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real CLI's main() in this process (no tsx start-up per case), capturing what it
 * writes. Only for inputs that are refused before any work starts.
 */
export async function runMain(args: string[]): Promise<MainResult> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'iwae-sweep', ...args]);
    return { code: code !== 0 ? code : Number(process.exitCode ?? 0), stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = undefined;
  }
}

/**
 * The refusal every hostile input must get: exit 2, nothing on stdout, one line on stderr that
 * matches `pattern`, and no stack trace.
 */
export function expectRefused(r: MainResult, pattern: RegExp): void {
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('(run with --help'));
  expect({ code: r.code, stdout: r.stdout }, r.stderr).toEqual({ code: 2, stdout: '' });
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(lines, r.stderr).toHaveLength(1);
}

/** A fingerprint of a directory: every file's name and SHA-256 (a changed or new file shows). */
export function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    try {
      out[name] = createHash('sha256')
        .update(readFileSync(`${dir}/${name}`))
        .digest('hex');
    } catch {
      out[name] = '(not a file)';
    }
  }
  return out;
}

/** A results DB with one sweep ("quick"): a finished trial and a failed one whose texts carry terminal escapes. */
export function hostileDb(file: string): void {
  const plan = expandSweep(
    sweepSpecFromObject({
      name: 'quick',
      base: { trainSize: 100, testSize: 10, evalK: 10, batchSize: 10, epochs: 1, objective: 'iwae' },
      grid: { k: [1, 5] },
    }),
  );
  const db = ResultsDb.open(file);
  try {
    db.saveSweep({
      id: 'quick',
      spec: plan.spec,
      mode: 'local',
      host: '\u001b]0;pwned\u0007host',
      description: '=HYPERLINK("x")',
    });
    db.addTrials('quick', plan.trials);
    const [a, b] = plan.trials;
    if (!a || !b) throw new Error('fixture: two trials expected');
    db.trialStarted(a.id, { host: '\u001b[31mred\u001b[0m', workerId: '@worker' });
    db.recordResult(a.id, {
      testNll: 92.1,
      testBound: -92.1,
      evalK: 10,
      testBoundsByK: {},
      trainBound: -95,
      activeUnits: 3,
      activeUnitsPerLayer: [3],
      epochs: [{ epoch: 1, trainBound: -95, seconds: 1, examplesPerSecond: 100, learningRate: 0.001 }],
      examplesPerSecond: 100,
      trainSeconds: 1,
      evalSeconds: 1,
      backend: '\u009b31mwasm',
      gradient: 'fast',
      seed: 0,
      resumedFromEpoch: 0,
      config: a.config,
    });
    db.trialStarted(b.id, { host: '+cmd|calc', workerId: 'w' });
    db.trialFailed(b.id, { message: '\u001b[2J\u001b]8;;http://evil\u0007click\u001b]8;;\u0007 -1+1' }, { final: true });
    // Rollback journal, not WAL: a reader then leaves no -shm/-wal file behind, so any new file is a change.
    db.sqlite.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}
