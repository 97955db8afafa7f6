import { ResultsDb } from '@iwae-sweep/db';
import type { Command } from 'commander';
import { Collector } from '../collector.ts';
import { dbPath } from '../open-db.ts';
import { addRedisFlags, openQueues, type RedisFlags, redisUrl } from '../redis-flags.ts';

interface ServeFlags extends RedisFlags {
  db?: string;
}

export function registerServe(program: Command): void {
  addRedisFlags(
    program
      .command('serve')
      .description('the scheduler daemon: collects results from Redis into the DB (run one per DB)')
      .option('--db <file>', 'results DB (default: $IWAE_SWEEP_DB or ./iwae.db)'),
    false,
  ).action(async (flags: ServeFlags) => {
    const db = ResultsDb.open(dbPath(flags.db));
    const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    const queues = redisUrl(flags) ? await openQueues(flags) : undefined;
    const collector = queues ? new Collector({ db, queues, log }) : undefined;
    await collector?.start();
    log(`serving ${db.file}${queues ? `; collecting results from Redis (prefix ${queues.prefix})` : ''}`);
    await new Promise<void>((done) => {
      const stop = () => done();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    log('stopping');
    await collector?.stop();
    await queues?.close();
    db.close();
  });
}
