import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, tempDir } from '../helpers/cli.ts';
import { SHARED_REDIS, testDeployment } from '../helpers/deployment.ts';
import { withDb } from '../helpers/sweep-fixture.ts';
import { dbDigest, oneLine, type Reply, redisDigest, type Served, send, sendRaw, startServe } from './dashboard-fixture.ts';
import { hostileCases } from './dashboard-http-cases.ts';

// Hostile HTTP requests against a real `serve` (real DB file, real Redis with queued jobs and a
// running collector). Every case asserts the status, a one-line answer, and that neither the DB
// file nor any Redis key changed.

const cleanups: (() => Promise<void>)[] = [];
const d = testDeployment(
  'sec-http',
  `name: hostile
base: { trainSize: 100, testSize: 10, batchSize: 50, epochs: 1, evalK: 5 }
grid:
  k: [1, 5]
  objective: [iwae]
`,
  (fn) => cleanups.push(fn),
);
const TOKEN = 'correct-horse-battery-9';
const tmp = tempDir('sec-http-token');
const tokenFile = tmp.file('token', `${TOKEN}\n`);

let open: Served; // loopback, no token, bull-board read-only (the defaults)
let writes: Served; // loopback, no token, --bull-board-writes: the guard alone must hold
let guarded: Served; // loopback, --token-file, no Redis
let trialId: string;

async function snapshot() {
  return { db: dbDigest(d.db), redis: await redisDigest(SHARED_REDIS, d.prefix) };
}

beforeAll(async () => {
  const launched = await runCli(['launch', d.spec, '--db', d.db], { env: d.env });
  expect(launched.code, launched.stderr).toBe(0);
  trialId = withDb(d.db, (db) => db.trialsOf('hostile')[0]?.id ?? '');
  expect(trialId).toMatch(/^t[0-9a-f]{20}$/);
  const noRedis = (args: string[]) => {
    const p = startCli(args, { env: { IWAE_SWEEP_REDIS_URL: undefined } });
    cleanups.push(async () => void p.kill('SIGKILL'));
    return p;
  };
  [open, writes, guarded] = await Promise.all([
    startServe(d.start, ['--db', d.db]),
    startServe(d.start, ['--db', d.db, '--bull-board-writes']),
    startServe(noRedis, ['--db', d.db, '--token-file', tokenFile]),
  ]);
  const baseline = await snapshot();
  expect(baseline.redis.length).toBeGreaterThan(3); // the queued trial jobs are there to be forged against
}, 180_000);
afterAll(async () => {
  for (const c of cleanups) await c();
  tmp.cleanup();
});

describe('hostile HTTP requests against serve', () => {
  for (const c of hostileCases(TOKEN, () => trialId)) {
    it(`${c.name}: ${c.status}`, async () => {
      const server = { open, writes, guarded }[c.target ?? 'open'];
      const headers = typeof c.headers === 'function' ? c.headers(server.port) : (c.headers ?? {});
      const path = typeof c.path === 'function' ? c.path() : c.path;
      const body = typeof c.body === 'function' ? c.body() : c.body;
      // Compared with the state just before this case, so a failure names its own case.
      const before = await snapshot();
      const reply: Reply = await send(server.port, c.method ?? 'GET', path, headers, body);
      expect(reply.status, reply.body).toBe(c.status);
      if (c.status !== 200 && !c.httpLayer) {
        expect(oneLine(reply.body), reply.body).toBe(true);
        if (c.message) expect(reply.body).toMatch(c.message);
        expect(reply.headers['access-control-allow-origin']).toBeUndefined();
        expect(reply.headers['set-cookie']).toBeUndefined();
      }
      if (!c.httpLayer) expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(await snapshot()).toEqual(before);
    });
  }

  it('a header injected through the export path never reaches the response', async () => {
    // Written raw: an HTTP client refuses to send a control character in a path.
    const before = await snapshot();
    const reply = await sendRaw(
      open.port,
      `GET /api/sweeps/a"b\r\nX-Evil: 1/export.csv HTTP/1.1\r\nHost: 127.0.0.1:${open.port}\r\nConnection: close\r\n\r\n`,
    );
    expect([400, 404]).toContain(reply.status);
    expect(reply.headers['x-evil']).toBeUndefined();
    expect(await snapshot()).toEqual(before);
  });

  it('exports of a real sweep name their file safely', async () => {
    const reply = await send(open.port, 'GET', '/api/sweeps/hostile/export.csv');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-disposition']).toBe(`attachment; filename="hostile.csv"; filename*=UTF-8''hostile.csv`);
  });

  it('every page carries the security headers; the CSP allows no inline script', async () => {
    for (const path of ['/', '/sweeps/hostile', `/trials/${trialId}`]) {
      const reply = await send(open.port, 'GET', path);
      expect(reply.status).toBe(200);
      const csp = String(reply.headers['content-security-policy']);
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      expect(reply.headers['x-frame-options']).toBe('DENY');
      expect(reply.headers['referrer-policy']).toBe('no-referrer');
      expect(reply.body).not.toMatch(/<script>|<script [^>]*>[^<]/); // no inline script in our pages
    }
    const board = await send(open.port, 'GET', '/queues');
    expect(String(board.headers['content-security-policy'])).toMatch(/script-src 'self'(;|$)/);
    expect(board.headers['x-frame-options']).toBe('DENY');
  });

  it('the accepted loopback names still work (control)', async () => {
    for (const host of [`localhost:${open.port}`, `127.0.0.1:${open.port}`, `[::1]:${open.port}`]) {
      expect((await send(open.port, 'GET', '/api/sweeps', { host })).status, host).toBe(200);
    }
  });
});
