import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.ts';
import { fingerprint, hostileDb, runMain } from './hostile.ts';

// Text stored in the DB (hosts, errors, backends) is a worker's or an attacker's: it must reach
// the terminal without escape sequences, and a spreadsheet without formulas.
const tmp = tempDir('sec-out');
const db = join(tmp.dir, 'iwae.db');
let before: Record<string, string>;
beforeAll(() => {
  hostileDb(db);
  before = fingerprint(tmp.dir);
});
afterAll(() => tmp.cleanup());

/** C0 controls but newline, DEL, C1 controls (U+009B is a one-byte CSI). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe('DB text on the terminal', () => {
  const commands: [string, string[]][] = [
    ['results (table)', ['results']],
    ['results --format json', ['results', '--format', 'json']],
    ['status --sweep quick', ['status', '--sweep', 'quick']],
    ['status --sweep quick --format json', ['status', '--sweep', 'quick', '--format', 'json']],
    ['query of the error column', ['query', 'select error, host from trials']],
    ['query --format json', ['query', 'select error, host from trials', '--format', 'json']],
  ];
  for (const [name, args] of commands) {
    it(`${name}: no raw control characters, escapes shown as \\uXXXX`, async () => {
      const r = await runMain([...args, '--db', db]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toMatch(RAW_CONTROL);
      expect(r.stdout).toMatch(/\\u001b/);
      expect(fingerprint(tmp.dir)).toEqual(before);
    });
  }
});

describe('CSV for spreadsheets', () => {
  it('neutralises formula cells and keeps numbers numbers', async () => {
    const r = await runMain([
      'query',
      'select host, worker_id, error, test_bound from trials order by host',
      '--format',
      'csv',
      '--db',
      db,
    ]);
    expect(r.code, r.stderr).toBe(0);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
    const lines = r.stdout.trim().split('\r\n');
    // "+cmd|calc" and "@worker" would run as formulas: they get a leading apostrophe.
    expect(lines).toContain("'+cmd|calc,w,\\u001b[2J\\u001b]8;;http://evil\\u0007click\\u001b]8;;\\u0007 -1+1,");
    expect(lines.some((l) => l.startsWith("\\u001b[31mred\\u001b[0m,'@worker,,-92.1"))).toBe(true);
  });

  it('does not touch numbers, even negative ones', async () => {
    const r = await runMain([
      'query',
      "select -92.1 as bound, '-92.1' as text, '=1+1' as formula, '-1+1' as minus",
      '--format',
      'csv',
      '--db',
      db,
    ]);
    expect(r.stdout).toBe("bound,text,formula,minus\r\n-92.1,-92.1,'=1+1,'-1+1\r\n");
  });
});
