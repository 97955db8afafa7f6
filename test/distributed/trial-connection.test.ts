import { connectionOptions } from '@iwae-sweep/queue';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinkProxy } from '../helpers/link-proxy.ts';
import { OwnRedis } from '../helpers/redis-server.ts';

let redis: OwnRedis;
let proxy: LinkProxy;
const clients: Redis[] = [];
beforeAll(async () => {
  redis = await OwnRedis.start({ password: 'pw' });
  proxy = await LinkProxy.start(redis.port);
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await proxy.close();
  await redis.stop();
});

async function connected(role: 'trial' | 'worker'): Promise<Redis> {
  const client = new Redis(connectionOptions(redis.urlVia(proxy.port), role, {}, 1500));
  client.on('error', () => undefined);
  clients.push(client);
  await client.ping();
  return client;
}

describe("a trial process's Redis commands end, whatever happens to the link", () => {
  // A command that gets no answer (here a link that passes nothing; in a chaos run, a command
  // lost across a reconnection) must fail the trial's attempt, which is retried from its
  // checkpoint, instead of holding the trial forever while its worker renews the job's lock.
  it('a command with no answer fails after the command timeout (a worker connection waits)', async () => {
    const trial = await connected('trial');
    const worker = await connected('worker');
    proxy.partition();
    try {
      const started = Date.now();
      const waiting = worker.get('some-key').then(() => 'answered');
      await expect(trial.get('some-key')).rejects.toThrow(/timed out/i);
      const tookMs = Date.now() - started;
      expect(tookMs).toBeGreaterThanOrEqual(1400);
      expect(tookMs).toBeLessThan(10_000);
      // The worker's connection (blocking commands, lock renewals) waits out the partition.
      expect(await Promise.race([waiting, new Promise((r) => setTimeout(() => r('still waiting'), 500))])).toBe('still waiting');
      proxy.heal();
      expect(await waiting).toBe('answered');
    } finally {
      proxy.heal();
    }
  });
});
