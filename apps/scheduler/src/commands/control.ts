import type { Command } from 'commander';
import { enqueuePending } from '../launcher.ts';
import { openExistingDb, withDb } from '../open-db.ts';
import { addRedisFlags, openQueues, type RedisFlags } from '../redis-flags.ts';

interface ControlFlags extends RedisFlags {
  db?: string;
}

function requireSweep(db: { getSweep(id: string): unknown; file: string }, sweepId: string): void {
  if (!db.getSweep(sweepId)) throw new Error(`no sweep "${sweepId}" in ${db.file}`);
}

/**
 * cancel, pause and resume. The DB records the sweep's state (a local runner follows it);
 * for a distributed sweep Redis is updated too: waiting jobs removed or re-queued, and running
 * trials on other machines told to stop.
 */
export function registerControl(program: Command): void {
  addRedisFlags(
    program
      .command('cancel')
      .description('cancel a sweep: queued trials are dropped, running ones stop at their next epoch')
      .argument('<sweep>', 'sweep id')
      .option('--db <file>', 'results DB'),
    false,
  ).action((sweepId: string, flags: ControlFlags) =>
    withDb(openExistingDb(flags.db), async (db) => {
      requireSweep(db, sweepId);
      db.setSweepState(sweepId, 'cancelled');
      if (db.getSweep(sweepId)?.mode === 'redis') {
        const queues = await openQueues(flags);
        try {
          await queues.cancelSweep(sweepId);
        } finally {
          await queues.close();
        }
      }
      const queued = db.trialsOf(sweepId, ['queued']).map((t) => t.id);
      db.setTrialStatus(queued, 'cancelled');
      process.stderr.write(
        `sweep ${sweepId} cancelled: ${queued.length} queued trial(s) dropped; running trials stop at their next epoch\n`,
      );
    }),
  );

  addRedisFlags(
    program
      .command('pause')
      .description('pause a sweep: no new trial starts; running ones finish')
      .argument('<sweep>', 'sweep id')
      .option('--db <file>', 'results DB'),
    false,
  ).action((sweepId: string, flags: ControlFlags) =>
    withDb(openExistingDb(flags.db), async (db) => {
      requireSweep(db, sweepId);
      db.setSweepState(sweepId, 'paused');
      let removed = 0;
      if (db.getSweep(sweepId)?.mode === 'redis') {
        const queues = await openQueues(flags);
        try {
          removed = (await queues.removeWaitingJobs(sweepId)).length;
        } finally {
          await queues.close();
        }
      }
      process.stderr.write(`sweep ${sweepId} paused${removed ? ` (${removed} waiting job(s) taken off the queue)` : ''}\n`);
    }),
  );

  addRedisFlags(
    program
      .command('resume')
      .description('resume a paused (or cancelled) sweep: its unfinished trials are queued again')
      .argument('<sweep>', 'sweep id')
      .option('--db <file>', 'results DB'),
    false,
  ).action((sweepId: string, flags: ControlFlags) =>
    withDb(openExistingDb(flags.db), async (db) => {
      requireSweep(db, sweepId);
      db.setSweepState(sweepId, 'active');
      if (db.getSweep(sweepId)?.mode === 'redis') {
        const queues = await openQueues(flags);
        try {
          await queues.clearCancel(sweepId);
          const { queued } = await enqueuePending(db, queues, sweepId);
          process.stderr.write(`sweep ${sweepId} resumed: ${queued} trial(s) queued\n`);
        } finally {
          await queues.close();
        }
      } else {
        db.setTrialStatus(
          db.trialsOf(sweepId, ['cancelled']).map((t) => t.id),
          'queued',
        );
        process.stderr.write(`sweep ${sweepId} resumed (local: its runner continues, or run it again)\n`);
      }
    }),
  );
}
