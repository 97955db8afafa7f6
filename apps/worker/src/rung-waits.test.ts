import { randomBytes } from 'node:crypto';
import { writeRungDecision } from '@iwae-sweep/queue';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RungWaits } from './rung-waits.ts';

// The shared test Redis, under a prefix of this file's own.
const redis = new Redis('redis://127.0.0.1:6379');
const prefix = `test-rung-waits-${randomBytes(4).toString('hex')}`;
// Connected before the waits are timed: the first command otherwise waits for the connection.
beforeAll(() => redis.ping());
afterAll(async () => {
  const found = await redis.keys(`${prefix}:*`);
  if (found.length) await redis.del(...found);
  await redis.quit();
});

describe('RungWaits', () => {
  // The wait is silent for up to waitMs (60 s by default): a worker's stall watchdog with a
  // shorter timeout must see that it is alive, or it ends a healthy trial at its rung.
  it('tells it is alive at each poll while no decision has come, then continues undecided', async () => {
    let polls = 0;
    // A poll every 100 ms: 1.5 s leaves room for a second one on a loaded machine (with 400 ms, a
    // first read slower than the whole wait ended it after one poll).
    const stop = await new RungWaits(redis, prefix, 'trial-a', 1500).wait(1, () => polls++);
    expect(stop).toBe(false);
    expect(polls).toBeGreaterThanOrEqual(2);
  });

  it('returns the decision once it is there', async () => {
    await writeRungDecision(redis, prefix, 'trial-b', 2, true);
    let polls = 0;
    expect(await new RungWaits(redis, prefix, 'trial-b', 5000).wait(2, () => polls++)).toBe(true);
    expect(polls).toBe(0);
  });
});
