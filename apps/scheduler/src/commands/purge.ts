import { addRedisFlags, openQueues, prefixOf, type RedisFlags, redisTls, requireRedisUrl } from '@iwae-sweep/cli';
import { IwaeSweepError } from '@iwae-sweep/core';
import { purgeDeployment } from '@iwae-sweep/queue';
import type { Command } from 'commander';

interface PurgeFlags extends RedisFlags {
  yes?: boolean;
  force?: boolean;
}

/**
 * `purge`: removes a deployment's keys from Redis (queues, jobs, checkpoints, control and worker
 * keys), after its results are collected. The results DB is not touched.
 */
export function registerPurge(program: Command): void {
  addRedisFlags(
    program
      .command('purge')
      .description('remove every Redis key of a deployment (its --prefix): queues, jobs, checkpoints; the results DB is kept')
      .option('--yes', 'really delete (without it, only count the keys)')
      .option('--force', 'delete even while workers of this deployment are connected'),
    true,
  ).action(async (flags: PurgeFlags) => {
    const prefix = prefixOf(flags);
    if (flags.yes && !flags.force) {
      // BullMQ's queue objects write their own keys: ask about workers first, then close them.
      const queues = await openQueues(flags);
      let workers: { name: string }[];
      try {
        workers = await queues.workers();
      } finally {
        await queues.close();
      }
      if (workers.length > 0) {
        throw new IwaeSweepError(
          'purge_refused',
          `--prefix ${prefix}: ${workers.length} worker connection(s) are open (${workers.map((w) => w.name).join(', ')}); stop the workers first, or add --force`,
        );
      }
    }
    const n = await purgeDeployment(requireRedisUrl(flags), prefix, { remove: Boolean(flags.yes), tls: redisTls(flags) });
    process.stdout.write(
      flags.yes
        ? `deleted ${n} keys under prefix ${prefix}\n`
        : `${n} keys under prefix ${prefix}; nothing deleted (add --yes to delete them)\n`,
    );
  });
}
