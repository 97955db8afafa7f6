import { addRedisFlags, openQueues, type RedisFlags, redisUrl } from '@iwae-sweep/cli';
import type { Command } from 'commander';
import { dbOption, openExistingDb, withDb } from '../open-db.ts';
import { controlSweep, type SweepAction } from '../sweep-control.ts';

interface ControlFlags extends RedisFlags {
  db?: string;
}

const DESCRIPTIONS: Record<SweepAction, string> = {
  cancel: 'cancel a sweep: queued trials are dropped, running ones stop at their next epoch',
  pause: 'pause a sweep: no new trial starts; running ones finish',
  resume: 'resume a paused (or cancelled) sweep: its unfinished trials are queued again',
};

export function registerControl(program: Command): void {
  for (const action of ['cancel', 'pause', 'resume'] as const) {
    addRedisFlags(
      program.command(action).description(DESCRIPTIONS[action]).argument('<sweep>', 'sweep id').addOption(dbOption()),
      false,
    ).action((sweepId: string, flags: ControlFlags) =>
      withDb(openExistingDb(flags.db, { write: true }), async (db) => {
        const queues = redisUrl(flags) && db.getSweep(sweepId)?.mode === 'redis' ? await openQueues(flags) : undefined;
        try {
          process.stderr.write(`${await controlSweep(db, queues, sweepId, action)}\n`);
        } finally {
          await queues?.close();
        }
      }),
    );
  }
}
