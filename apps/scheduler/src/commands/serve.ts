import { addRedisFlags, openQueues, parseNumberFlag, type RedisFlags, redisUrl } from '@iwae-sweep/cli';
import { ValidationError } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import { serviceLogger } from '@iwae-sweep/worker';
import type { Command } from 'commander';
import { Collector } from '../collector.ts';
import { isLocalAddress, isLoopback, parseHost } from '../dashboard/allowed-hosts.ts';
import { publicBindWithoutToken, startDashboard } from '../dashboard/dashboard-server.ts';
import { resolveToken, TOKEN_MIN_LENGTH } from '../dashboard/token-rule.ts';
import { env } from '../env.ts';
import { dbOption, dbPath } from '../open-db.ts';

interface ServeFlags extends RedisFlags {
  db?: string;
  port: string;
  host: string;
  token?: string;
  tokenFile?: string;
  allowedHost: string[];
  bullBoardWrites: boolean;
  dashboard: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerServe(program: Command): void {
  addRedisFlags(
    program
      .command('serve')
      .description('the scheduler daemon: web dashboard over the results DB and, with Redis, the result collector')
      .addOption(dbOption())
      .option('--port <n>', 'dashboard port, 1-65535 (0: any free port)', '8080')
      .option('--host <address>', 'dashboard address; anything but loopback needs a token', '127.0.0.1')
      .option(
        '--token <secret>',
        `require this token (≥ ${TOKEN_MIN_LENGTH} characters) on every request; visible in ps: prefer --token-file (default: $IWAE_SWEEP_TOKEN)`,
      )
      .option('--token-file <file>', 'read the token from this file (one line)')
      .option(
        '--allowed-host <name[:port]>',
        'also answer to this Host (a reverse proxy or DNS name; repeatable); others are refused',
        collect,
        [],
      )
      .option('--bull-board-writes', 'let bull-board change queues (retry, add, clean…); read-only otherwise', false)
      .option('--no-dashboard', 'collect results only'),
    false,
  ).action(async (flags: ServeFlags) => {
    const port = parseNumberFlag('--port', flags.port, { integer: true, min: 0 });
    if (port > 65535)
      throw new ValidationError('command-line flags', [{ field: '--port', value: flags.port, expected: 'a port, 0-65535' }]);
    for (const h of flags.allowedHost) {
      if (!parseHost(h)) {
        throw new ValidationError('command-line flags', [
          {
            field: '--allowed-host',
            value: h,
            expected: 'a host name or address, optionally with :port (e.g. iwae.example.org:443)',
          },
        ]);
      }
    }
    const token = resolveToken({ flag: flags.token, file: flags.tokenFile, env: env().IWAE_SWEEP_TOKEN });
    if (flags.dashboard && !isLoopback(flags.host) && !token) throw publicBindWithoutToken(flags.host);
    if (flags.dashboard && !isLocalAddress(flags.host)) {
      throw new ValidationError('command-line flags', [
        { field: '--host', value: flags.host, expected: 'an address of this machine' },
      ]);
    }
    const db = ResultsDb.open(dbPath(flags.db));
    const log = serviceLogger('serve', { level: env().IWAE_SWEEP_LOG_LEVEL });
    const queues = redisUrl(flags) ? await openQueues(flags) : undefined;
    const collector = queues ? new Collector({ db, queues, log }) : undefined;
    try {
      const dashboard = flags.dashboard
        ? await startDashboard({
            db,
            queues,
            token,
            host: flags.host,
            port,
            allowedHosts: flags.allowedHost,
            bullBoardWrites: flags.bullBoardWrites,
            log: (line) => log.error(line),
          })
        : undefined;
      await collector?.start();
      log.info(
        `serving ${db.file}${dashboard ? `; dashboard at ${dashboard.url}/` : ''}${queues ? `; collecting results from Redis (prefix ${queues.prefix})` : ''}`,
      );
      await new Promise<void>((done) => {
        process.once('SIGTERM', () => done());
        process.once('SIGINT', () => done());
      });
      log.info('stopping');
      await dashboard?.close();
    } finally {
      await collector?.stop();
      await queues?.close();
      db.close();
    }
  });
}
