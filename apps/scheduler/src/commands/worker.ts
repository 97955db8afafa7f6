import { defineWorkerCommand, WORKER_DESCRIPTION } from '@iwae-sweep/worker';
import type { Command } from 'commander';

/** `iwae-sweep worker`: the same command as `iwae-sweep-worker`, for machines that have the whole CLI. */
export function registerWorker(program: Command): void {
  defineWorkerCommand(program.command('worker').description(`${WORKER_DESCRIPTION} (same as iwae-sweep-worker)`));
}
