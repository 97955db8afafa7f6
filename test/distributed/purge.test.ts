import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { deletePrefix, uniquePrefix } from '../helpers/sweep-fixture.ts';

const URL = 'redis://127.0.0.1:6379';
const prefix = uniquePrefix('purge');
// A neighbour whose name starts with ours: a purge must not reach it.
const neighbour = `${prefix}-other`;
const redis = new Redis(URL);

afterAll(async () => {
  await deletePrefix(URL, neighbour);
  await deletePrefix(URL, prefix);
  await redis.quit();
});

const keysUnder = async (p: string) => (await redis.keys(`${p}:*`)).length;

describe('purge --prefix', () => {
  it("counts a deployment's keys without --yes, deletes exactly them with it", async () => {
    await redis.set(`${prefix}:ckpt:t1`, 'x');
    await redis.hset(`${prefix}:workers`, 'w1', '{}');
    await redis.rpush(`${prefix}:trials:wait`, 'a');
    await redis.set(`${neighbour}:ckpt:t1`, 'keep');

    const dry = await runCli(['purge', '--redis', URL, '--prefix', prefix]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toBe(`3 keys under prefix ${prefix}; nothing deleted (add --yes to delete them)\n`);
    expect(await keysUnder(prefix)).toBe(3);

    const real = await runCli(['purge', '--redis', URL, '--prefix', prefix, '--yes']);
    expect(real.code, real.stderr).toBe(0);
    // At least the three (checking for connected workers opens the queue, which notes its version).
    expect(real.stdout).toMatch(new RegExp(`^deleted [3-9] keys under prefix ${prefix}\n$`));
    expect(await keysUnder(prefix)).toBe(0);
    expect(await redis.get(`${neighbour}:ckpt:t1`)).toBe('keep');
  });
});
