import { openRedis } from '@iwae-sweep/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/cli.ts';
import { OwnRedis } from '../helpers/redis-server.ts';

let redis: OwnRedis;
beforeAll(async () => {
  redis = await OwnRedis.start({ aof: true });
});
afterAll(async () => {
  await redis.stop();
});

describe('a connection made by openRedis outlives a Redis outage', () => {
  // openRedis gives up quickly while it checks a URL (a few tries), but the client it returns
  // is used for the whole life of a collector or scheduler: it must then reconnect like any
  // other. Before, it kept the check's retry policy, ended after ~1 s of outage, and every
  // later command of the collector failed with "Connection is closed" until it was restarted.
  it('reconnects after Redis was down for 3 s (a restart, a failover)', async () => {
    const client = await openRedis(redis.url);
    client.on('error', () => undefined);
    try {
      await client.set('k', 'v');
      await redis.kill();
      await new Promise((r) => setTimeout(r, 3000));
      await redis.restart();
      await waitFor(
        () => client.status === 'ready',
        20_000,
        'the client connected again',
        100,
        () => client.status,
      );
      expect(await client.get('k')).toBe('v');
    } finally {
      client.disconnect();
    }
  });
});
