/**
 * Entry point of a trial process forked by a distributed worker (the worker's end is
 * trial-process.ts): loads the processor module named by its first argument (its default export,
 * made by createTrialProcessor), says it is ready, then runs the attempts its worker sends, one at
 * a time. Everything that needs the job's lock (progress, handing the job back) goes through the
 * worker, which owns the attempt.
 */
import { pathToFileURL } from 'node:url';
import { ParentChannel } from './parent-channel.ts';
import { serializeError } from './serialize-error.ts';
import { type FromTrialProcess, type ProcessError, type ToTrialProcess, toTrialProcessSchema } from './trial-process-messages.ts';
import type { TrialJobHandle, TrialProcessor } from './trial-processor-factory.ts';

const worker = new ParentChannel<ToTrialProcess, FromTrialProcess>('trial process', toTrialProcessSchema);

const file = process.argv[2];
if (!file) {
  process.stderr.write('trial process: the processor module is missing (first argument)\n');
  process.exit(2);
}
const processor = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
if (typeof processor !== 'function') {
  process.stderr.write(`trial process: ${file} has no default export that is a function\n`);
  process.exit(2);
}
const run = processor as TrialProcessor;

let attempt: AbortController | undefined;
let moved: { resolve: () => void; reject: (err: Error) => void } | undefined;

const asError = (e: ProcessError) => Object.assign(new Error(e.message), e);

worker.listen(async (msg) => {
  if (msg.type === 'cancel') {
    attempt?.abort(msg.reason);
    return;
  }
  if (msg.type === 'moved') {
    if (msg.error) moved?.reject(asError(msg.error));
    else moved?.resolve();
    moved = undefined;
    return;
  }
  if (attempt) {
    await worker.send({ type: 'failed', error: { name: 'Error', message: 'this trial process is already running a trial' } });
    return;
  }
  const controller = new AbortController();
  attempt = controller;
  const job: TrialJobHandle = {
    ...msg.job,
    updateProgress: (value) => worker.send({ type: 'progress', value }),
    moveToWait: (token) =>
      new Promise<void>((resolve, reject) => {
        moved = { resolve, reject };
        void worker.send({ type: 'move-to-wait', token });
      }),
  };
  let outcome: FromTrialProcess;
  try {
    outcome = { type: 'completed', value: await run(job, msg.token, controller.signal) };
  } catch (err) {
    outcome = { type: 'failed', error: serializeError(err) };
  }
  // Free before the worker hears of it: it may send the next attempt at once.
  attempt = undefined;
  moved = undefined;
  await worker.send(outcome);
});
void worker.send({ type: 'ready', pid: process.pid });
