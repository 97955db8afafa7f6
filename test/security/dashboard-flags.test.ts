import { mkdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.ts';
import { dbDigest } from './dashboard-fixture.ts';

// `serve` refuses bad flags before it opens anything: exit 2, the flag named, no stack trace,
// and a secret never repeated.

const tmp = tempDir('sec-flags');
const db = `${tmp.dir}/iwae.db`;
const SHORT = 'fifteen-chars-1'; // 15 characters: one short of the rule
const dir = `${tmp.dir}/a-directory`;
mkdirSync(dir);
afterAll(() => tmp.cleanup());

const cases: { name: string; args: string[]; env?: Record<string, string>; field: RegExp; secret?: string }[] = [
  { name: '--port 99999', args: ['--port', '99999'], field: /--port: got "99999", expected a port, 0-65535/ },
  { name: '--port -1', args: ['--port', '-1'], field: /--port: got "-1"/ },
  { name: '--port 80x', args: ['--port', '80x'], field: /--port: got "80x"/ },
  {
    name: 'a 15-character --token',
    args: ['--token', SHORT],
    field: /--token: got "\(hidden, 15 characters\)", expected a token of at least 16/,
    secret: SHORT,
  },
  {
    name: 'a 1-character --token on a public bind',
    args: ['--host', '0.0.0.0', '--token', 'a'],
    field: /--token: got "\(hidden, 1 characters\)"/,
    secret: '"a"',
  },
  {
    name: 'a token with a space',
    args: ['--token', 'sixteen chars ok!'],
    field: /--token: .*printable ASCII without spaces/,
    secret: 'sixteen chars ok!',
  },
  {
    name: 'a short IWAE_SWEEP_TOKEN',
    args: [],
    env: { IWAE_SWEEP_TOKEN: SHORT },
    field: /IWAE_SWEEP_TOKEN: got "\(hidden, 15 characters\)"/,
    secret: SHORT,
  },
  {
    name: 'a short token file',
    args: ['--token-file', tmp.file('short', `${SHORT}\n`)],
    field: /--token-file: got "\(hidden, 15 characters\)"/,
    secret: SHORT,
  },
  {
    name: 'a token file that is a directory',
    args: ['--token-file', dir],
    field: /--token-file: got ".*a-directory", expected a regular file/,
  },
  {
    name: 'a missing token file',
    args: ['--token-file', `${tmp.dir}/nope`],
    field: /--token-file: got ".*nope", expected a readable file \(ENOENT\)/,
  },
  {
    name: 'a huge token file',
    args: ['--token-file', tmp.file('huge', 'x'.repeat(10_000))],
    field: /--token-file: .*expected a file of one line/,
  },
  {
    name: '--token and --token-file',
    args: ['--token', 'sixteen-chars-ok-1', '--token-file', tmp.file('ok', 'sixteen-chars-ok-2')],
    field: /either --token or --token-file/,
    secret: 'sixteen-chars-ok',
  },
  {
    name: 'an --allowed-host with userinfo',
    args: ['--allowed-host', 'evil@example.org'],
    field: /--allowed-host: got "evil@example\.org"/,
  },
  {
    name: 'an --allowed-host with a path',
    args: ['--allowed-host', 'example.org/x'],
    field: /--allowed-host: got "example\.org\/x"/,
  },
  {
    name: 'a public bind without a token',
    args: ['--host', '0.0.0.0'],
    field: /--host: got "0\.0\.0\.0", expected a loopback address, or --token/,
  },
  {
    name: 'a --host that is not ours',
    args: ['--host', '192.0.2.1', '--token', 'sixteen-chars-ok-1'],
    field: /--host: got "192\.0\.2\.1", expected an address of this machine/,
    secret: 'sixteen-chars-ok',
  },
];

describe('serve refuses bad flags in one message, exit 2', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const before = dbDigest(db);
      const out = await runCli(['serve', '--db', db, '--port', '0', ...c.args], { env: c.env ?? {} });
      expect(out.code, out.stderr).toBe(2);
      expect(out.stderr).toMatch(c.field);
      expect(out.stderr).not.toMatch(/\n\s+at /); // no stack
      if (c.secret) expect(out.stderr + out.stdout).not.toContain(c.secret);
      expect(dbDigest(db)).toBe(before);
    });
  }
});
