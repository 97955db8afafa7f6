import { exitWith, runProgram } from '@iwae-sweep/cli';
import { Command } from 'commander';
import { defineWorkerCommand, WORKER_DESCRIPTION } from './worker-command.ts';

// The entry of `iwae-sweep-worker` (bin/iwae-sweep-worker.mjs), what a worker machine runs: it
// loads the worker and the queue, never the results DB (test/worker-entry.test.ts checks).
const program = defineWorkerCommand(
  new Command('iwae-sweep-worker')
    .description(WORKER_DESCRIPTION)
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride(),
);
exitWith(await runProgram(program, process.argv));
