import { ResultsDb } from '@iwae-sweep/db';
import type { Command } from 'commander';
import { Collector } from '../collector.ts';
import { startDashboard } from '../dashboard/dashboard-server.ts';
import { env } from '../env.ts';
import { parseNumberFlag } from '../flags.ts';
import { dbPath } from '../open-db.ts';
import { addRedisFlags, openQueues, type RedisFlags, redisUrl } from '../redis-flags.ts';

interface ServeFlags extends RedisFlags {
  db?: string;
  port: string;
  host: string;
  token?: string;
  dashboard: boolean;
}

export function registerServe(program: Command): void {
  addRedisFlags(
    program
      .command('serve')
      .description('the scheduler daemon: web dashboard over the results DB and, with Redis, the result collector')
      .option('--db <file>', 'results DB (default: $IWAE_SWEEP_DB or ./iwae.db)')
      .option('--port <n>', 'dashboard port (0: any free port)', '8080')
      .option('--host <address>', 'dashboard address; anything but loopback needs --token', '127.0.0.1')
      .option('--token <secret>', 'require this token on every request (default: $IWAE_SWEEP_TOKEN)')
      .option('--no-dashboard', 'collect results only'),
    false,
  ).action(async (flags: ServeFlags) => {
    const port = parseNumberFlag('--port', flags.port, { integer: true, min: 0 });
    const token = flags.token ?? env().IWAE_SWEEP_TOKEN;
    const db = ResultsDb.open(dbPath(flags.db));
    const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
    const queues = redisUrl(flags) ? await openQueues(flags) : undefined;
    const collector = queues ? new Collector({ db, queues, log }) : undefined;
    try {
      const dashboard = flags.dashboard ? await startDashboard({ db, queues, token, host: flags.host, port }) : undefined;
      await collector?.start();
      log(
        `serving ${db.file}${dashboard ? `; dashboard at ${dashboard.url}/` : ''}${queues ? `; collecting results from Redis (prefix ${queues.prefix})` : ''}`,
      );
      await new Promise<void>((done) => {
        process.once('SIGTERM', () => done());
        process.once('SIGINT', () => done());
      });
      log('stopping');
      await dashboard?.close();
    } finally {
      await collector?.stop();
      await queues?.close();
      db.close();
    }
  });
}
