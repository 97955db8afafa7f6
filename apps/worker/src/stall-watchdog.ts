/** A worker's --stall-timeout unless given: an epoch of a large trial on a slow CPU is long. */
export const DEFAULT_STALL_TIMEOUT_MS = 2 * 3600_000;

/**
 * How often a trial reports progress inside an epoch or an evaluation: four times
 * per stall timeout (a report may wait behind a slow batch), at most every 5 s (each is a Redis write).
 */
export function progressEveryMs(stallMs: number): number {
  return stallMs > 0 ? Math.max(10, Math.min(5000, Math.floor(stallMs / 4))) : 5000;
}

/** A running attempt as the watchdog sees it. */
interface Watched {
  /** Whether it has reported yet: the silence before its first report is its process starting. */
  reported: boolean;
  lastAt: number;
  /** The longest silence between two of its reports so far: a slow machine's epoch length. */
  longestGapMs: number;
  fired: boolean;
}

export interface StallWatchdogOptions<A> {
  /** Silence allowed before a trial counts as stalled (also the least ever allowed). */
  stallMs: number;
  /**
   * Whether the worker can reach Redis now. Reports travel through Redis: while it is away, no
   * trial can report, so silence does not count against them.
   */
  connected: () => boolean;
  /** Called once per stalled attempt: its worker ends the process it runs the attempt in. */
  onStall: (attempt: A, silentMs: number) => void;
  checkEveryMs?: number;
}

/**
 * Ends trials that make no progress. A trial's process may stop progressing without dying (a
 * call that never returns, a stuck driver, a frozen process) while its worker, alive, keeps
 * renewing the job's lock: no other worker may take it, and the sweep never ends. A trial
 * silent for longer than max(stallMs, 3 × its longest silence so far) is reported to
 * `onStall`, which ends its process: the attempt fails and is retried from its checkpoint.
 *
 * Watches are per attempt (`A`: whatever tells one attempt from another), not per job: one
 * worker may hold two attempts of the same job (frozen past its lock, the job handed back and
 * fetched again by it), and the end of one must not end the other's watch.
 */
export class StallWatchdog<A = string> {
  private readonly trials = new Map<A, Watched>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly opts: StallWatchdogOptions<A>) {
    this.timer = setInterval(() => this.check(), opts.checkEveryMs ?? Math.min(5000, Math.max(100, opts.stallMs / 4)));
    this.timer.unref();
  }

  started(attempt: A): void {
    this.trials.set(attempt, { reported: false, lastAt: Date.now(), longestGapMs: 0, fired: false });
  }

  /** Any report of the attempt's, whatever it carries. */
  progressed(attempt: A): void {
    const t = this.trials.get(attempt);
    if (!t) return;
    const now = Date.now();
    // Gaps between reports only: the silence before the first one is start-up (a process forked
    // and loading its modules, on a loaded machine), not a measure of its epochs.
    if (t.reported) t.longestGapMs = Math.max(t.longestGapMs, now - t.lastAt);
    t.reported = true;
    t.lastAt = now;
    // Progress again after a stall was reported: watched again (a process that started slowly,
    // past the timeout, must still be ended if it stalls later).
    t.fired = false;
  }

  ended(attempt: A): void {
    this.trials.delete(attempt);
  }

  private check(): void {
    const now = Date.now();
    const connected = this.opts.connected();
    for (const [attempt, t] of this.trials) {
      if (!connected) {
        t.lastAt = now;
        continue;
      }
      const silent = now - t.lastAt;
      if (!t.fired && silent > Math.max(this.opts.stallMs, 3 * t.longestGapMs)) {
        t.fired = true;
        this.opts.onStall(attempt, silent);
      }
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.trials.clear();
  }
}
