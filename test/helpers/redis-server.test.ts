import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, OwnRedis } from './redis-server.ts';

const started: OwnRedis[] = [];
let blocker: Server | undefined;
const accepted = new Set<Socket>();
afterEach(async () => {
  for (const r of started.splice(0)) await r.stop();
  for (const s of accepted) s.destroy();
  await new Promise((r) => (blocker ? blocker.close(r) : r(undefined)));
  blocker = undefined;
});

describe('OwnRedis: a port taken between finding it and binding it', () => {
  // Test files run in parallel: a port found free may be taken (by another test's Redis, or
  // anything else) before redis-server binds it. Before: the new server exited, and the
  // startup check found the other server answering on that port and took it for its own.
  it('starts on another port, and never mistakes another server for its own', async () => {
    const other = await OwnRedis.start();
    started.push(other);
    // Something that accepts connections on its port and never answers.
    // Something that accepts connections on its port and never answers.
    const server = createServer((s) => accepted.add(s));
    blocker = server;
    const blockerPort = await new Promise<number>((r) =>
      server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)),
    );
    const offered = [other.port, blockerPort];
    const mine = await OwnRedis.start({}, async () => offered.shift() ?? freePort());
    started.push(mine);
    expect(offered).toEqual([]); // both taken ports were tried first
    expect([other.port, blockerPort]).not.toContain(mine.port);
    const a = new Redis(mine.clientOptions());
    const b = new Redis(other.clientOptions());
    try {
      await a.set('who', 'mine');
      expect(await b.get('who')).toBeNull();
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });
});
