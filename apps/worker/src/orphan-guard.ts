import { Worker } from 'node:worker_threads';

/**
 * A trial process whose parent (runner or worker) died must stop: its trial is handed to another
 * process, and two processes training it would duplicate work. The IPC channel's 'disconnect'
 * is not enough: a sibling holding the channel's descriptor (seen with the TypeScript loader's
 * helper process) keeps it open after the parent is gone. The parent pid is the ground truth:
 * it changes when the process is reparented.
 */
// The parent's pid as the parent itself said it (IWAE_SWEEP_PARENT_PID): a process orphaned
// before this module loads (its worker killed while it started up) already has init as parent.
const parent = Number(process.env.IWAE_SWEEP_PARENT_PID) || process.ppid;

export function orphaned(): boolean {
  return process.ppid !== parent;
}

// A watchdog on its own thread: it keeps checking while the main thread cannot run timers (a
// long synchronous epoch, or a loop that never yields). Seen in a chaos run: an orphan whose
// main thread was busy kept running for 20 minutes after its worker was SIGKILLed.
const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const tick = new Int32Array(new SharedArrayBuffer(4));
for (;;) {
  Atomics.wait(tick, 0, 0, workerData.everyMs);
  if (process.ppid !== workerData.parent) process.kill(process.pid, 'SIGKILL');
}`;

export function exitWhenOrphaned(everyMs = 1000): void {
  if (orphaned()) process.exit(0); // orphaned while starting up
  process.on('disconnect', () => process.exit(0));
  setInterval(() => {
    if (orphaned()) process.exit(0);
  }, everyMs).unref();
  new Worker(WATCHDOG, { eval: true, workerData: { parent, everyMs } }).unref();
}
