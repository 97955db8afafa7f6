import { openRedis } from '@iwae-sweep/queue';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/cli.ts';
import { SentinelSet } from '../helpers/sentinel-set.ts';

let set: SentinelSet;
beforeAll(async () => {
  set = await SentinelSet.start({ password: 'sentinel-test-pw', downAfterMs: 1000 });
}, 60_000);
afterAll(async () => {
  await set?.stop();
});

const remotePort = (c: Redis) => (c as unknown as { stream?: { remotePort?: number } }).stream?.remotePort;

describe('Redis through Sentinel (redis+sentinel://)', () => {
  // A primary, its replica and three Sentinels on loopback: the primary is killed, the Sentinels
  // promote the replica, and a connection made from the Sentinel URL writes to the new primary.
  it('follows a failover to the promoted replica', async () => {
    const client = await openRedis(set.url);
    client.on('error', () => undefined);
    try {
      expect(remotePort(client)).toBe(set.primary.port);
      await client.set('before', '1');
      // Replicated before the primary goes (WAIT: acknowledged by one replica).
      expect(Number(await client.call('WAIT', '1', '5000'))).toBe(1);
      await set.primary.kill();
      let lastError = '';
      await waitFor(
        async () => {
          try {
            await client.set('after', '1');
            return true;
          } catch (err) {
            lastError = (err as Error).message;
            return false;
          }
        },
        60_000,
        'a write after the failover',
        200,
        () => ({ status: client.status, lastError }),
      );
      expect(remotePort(client)).toBe(set.replica.port);
      expect(await client.get('before')).toBe('1');
    } finally {
      client.disconnect();
    }
  }, 120_000);
});
