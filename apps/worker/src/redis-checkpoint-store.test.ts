import { randomBytes } from 'node:crypto';
import { redisKeys } from '@iwae-sweep/queue';
import { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { LostTrialError, StaleCheckpointError } from './lost-trial-error.ts';
import { RedisCheckpointStore } from './redis-checkpoint-store.ts';
import { RunFence } from './run-fence.ts';

// The shared test Redis, under a prefix of this file's own.
const redis = new Redis('redis://127.0.0.1:6379');
const prefix = `test-ckpt-fence-${randomBytes(4).toString('hex')}`;
const keys = redisKeys(prefix);
const trial = 'trial-1';
const storeOf = (token: string) => new RedisCheckpointStore(redis, prefix, new RunFence(redis, prefix, trial, token));
/** Hands the trial's job lock to a run, as BullMQ does when a worker takes the job. */
const lockTo = (token: string) => redis.set(keys.trialLock(trial), token, 'PX', 60_000);

beforeEach(async () => {
  const found = await redis.keys(`${prefix}:*`);
  if (found.length) await redis.del(...found);
});
afterAll(async () => {
  const found = await redis.keys(`${prefix}:*`);
  if (found.length) await redis.del(...found);
  await redis.quit();
});

describe('RedisCheckpointStore fenced by the job lock', () => {
  it('saves and loads while the run holds the lock', async () => {
    await lockTo('run-a');
    const a = storeOf('run-a');
    await a.save(trial, Buffer.from('epoch-1'), { epoch: 1 });
    await a.save(trial, Buffer.from('epoch-2'), { epoch: 2 });
    expect((await a.load(trial))?.toString()).toBe('epoch-2');
  });

  it('refuses the save of a run that lost its lock (a zombie), keeping the newer checkpoint', async () => {
    await lockTo('run-a');
    await storeOf('run-a').save(trial, Buffer.from('a-epoch-2'), { epoch: 2 });
    await lockTo('run-b'); // run A stalled; run B took the trial and resumed from epoch 2
    await storeOf('run-b').save(trial, Buffer.from('b-epoch-3'), { epoch: 3 });
    await expect(storeOf('run-a').save(trial, Buffer.from('a-epoch-3'), { epoch: 3 })).rejects.toBeInstanceOf(LostTrialError);
    expect((await storeOf('run-b').load(trial))?.toString()).toBe('b-epoch-3');
  });

  it('refuses a save when no run holds the lock (expired, not yet handed on)', async () => {
    await expect(storeOf('run-a').save(trial, Buffer.from('x'), { epoch: 1 })).rejects.toBeInstanceOf(LostTrialError);
    expect(await storeOf('run-a').load(trial)).toBeUndefined();
  });

  it('never replaces a newer epoch with an older one', async () => {
    await lockTo('run-a');
    await storeOf('run-a').save(trial, Buffer.from('epoch-4'), { epoch: 4 });
    await expect(storeOf('run-a').save(trial, Buffer.from('epoch-3'), { epoch: 3 })).rejects.toBeInstanceOf(StaleCheckpointError);
    expect((await storeOf('run-a').load(trial))?.toString()).toBe('epoch-4');
  });

  it('a zombie cannot delete the checkpoint the live run uses; the owner can', async () => {
    await lockTo('run-b');
    await storeOf('run-b').save(trial, Buffer.from('b'), { epoch: 1 });
    await storeOf('run-a').remove(trial);
    expect((await storeOf('run-b').load(trial))?.toString()).toBe('b');
    await storeOf('run-b').remove(trial);
    expect(await storeOf('run-b').load(trial)).toBeUndefined();
    expect(await redis.exists(keys.checkpointMeta(trial))).toBe(0);
  });
});
