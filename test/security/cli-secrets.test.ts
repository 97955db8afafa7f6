import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli, tempDir } from '../helpers/cli.ts';
import { OwnRedis } from '../helpers/redis-server.ts';
import { fingerprint, hostileDb, runMain } from './hostile.ts';

// A real Redis whose password holds every character that broke URL handling: the CLI reaches it
// with the percent-encoded URL, and no message ever shows the password, right or wrong.
const PASSWORD = 'Zq9@p:a/s%s wörd#?密';
const tmp = tempDir('sec-secrets');
const db = join(tmp.dir, 'iwae.db');
let redis: OwnRedis;
let before: Record<string, string>;

beforeAll(async () => {
  redis = await OwnRedis.start({ password: PASSWORD });
  hostileDb(db);
  before = fingerprint(tmp.dir);
});
afterAll(async () => {
  await redis.stop();
  tmp.cleanup();
});

const url = (password: string) => `redis://:${encodeURIComponent(password)}@127.0.0.1:${redis.port}`;

describe('Redis passwords with odd characters', () => {
  it('the percent-encoded URL connects (status shows the queue)', async () => {
    const r = await runMain(['status', '--db', db, '--redis', url(PASSWORD)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^queue iwae-sweep: /m);
    expect(r.stdout + r.stderr).not.toContain('Zq9');
  });

  it('a wrong password: authentication failed, exit 1, neither password shown', async () => {
    const r = await runMain(['status', '--db', db, '--redis', url('Zq9wrong:pass@x')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot use Redis at redis:\/\/\*\*\*@127\.0\.0\.1:\d+: authentication failed/);
    expect(r.stderr).not.toContain('Zq9');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fingerprint(tmp.dir)).toEqual(before);
  });

  it('the raw (unencoded) URL is refused without showing the password', async () => {
    const r = await runMain(['status', '--db', db, '--redis', `redis://:${PASSWORD}@127.0.0.1:${redis.port}`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).not.toContain('Zq9');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('secrets in the environment (the CLI as a process: env is read once)', () => {
  it('a malformed IWAE_SWEEP_REDIS_URL: one line, exit 2, no password', async () => {
    const r = await runCli(['status', '--db', db], { cwd: REPO, env: { IWAE_SWEEP_REDIS_URL: `redis:/:Zq9${PASSWORD}@host` } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /IWAE_SWEEP_REDIS_URL: got "redis:\*\*\*@host", expected a redis:\/\/, rediss:\/\/ or redis\+sentinel:\/\/ URL/,
    );
    expect(r.stderr).not.toContain('Zq9');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
