/**
 * A trial process whose parent (runner or worker) died must stop: its trial is handed to another
 * process, and two processes training it would duplicate work. The IPC channel's 'disconnect'
 * is not enough: a sibling holding the channel's descriptor (seen with the TypeScript loader's
 * helper process) keeps it open after the parent is gone. The parent pid is the ground truth:
 * it changes when the process is reparented.
 */
const parent = process.ppid;

export function orphaned(): boolean {
  return process.ppid !== parent;
}

export function exitWhenOrphaned(everyMs = 1000): void {
  process.on('disconnect', () => process.exit(0));
  // Checked between epochs too (training blocks timers while an epoch runs).
  setInterval(() => {
    if (orphaned()) process.exit(0);
  }, everyMs).unref();
}
