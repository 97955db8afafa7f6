/**
 * How far back each poll of a live view reads again. A writer stamps a row with its clock
 * (updated_at, recorded_at) before it commits it, and may wait for the write lock up to the DB's
 * busy timeout (10 s) in between; a row can also share its millisecond with one already sent.
 */
export const LATE_MS = 15_000;

/**
 * Which rows of a live view are new to one page. A cursor "stamped after the last row sent" loses
 * rows: one written in the same millisecond as the last row sent, after the poll that sent it (a
 * collector catching up writes several per millisecond; a trial's epoch and its stop at a rung can
 * share one), and one committed after a poll although stamped before it. So each poll reads every
 * row stamped in the last {@link LATE_MS}, and only the rows (or versions of a row) not sent yet
 * go out.
 */
export class LiveCursor<T> {
  /** What was sent of each row still inside the window, by key. */
  private readonly sent = new Map<string, { text: string; stamp: number }>();
  private from: number;

  /** A page that has every row stamped up to `since`, polled from `now` on. */
  constructor(
    since: number,
    now: number,
    private readonly key: (row: T) => string,
    private readonly stamp: (row: T) => number,
  ) {
    // The page's own read may have missed a row stamped before it and committed after it.
    this.from = Math.min(since, now - LATE_MS);
  }

  /** Where the next read starts (rows stamped after it). */
  get since(): number {
    return this.from;
  }

  /** How many rows a read may find that were sent already: a read's limit must leave room for them. */
  get remembered(): number {
    return this.sent.size;
  }

  /**
   * Of the rows read after {@link since} (by stamp, oldest first) by a poll that started at
   * `now`, those not sent yet. `complete`: the read had every such row, not the first ones up to
   * a limit (then the next read goes on from the last one read).
   */
  take(rows: readonly T[], now: number, complete: boolean): T[] {
    const fresh: T[] = [];
    for (const row of rows) {
      const key = this.key(row);
      const text = JSON.stringify(row);
      if (this.sent.get(key)?.text === text) continue;
      this.sent.set(key, { text, stamp: this.stamp(row) });
      fresh.push(row);
    }
    const last = rows.at(-1);
    const upTo = complete || !last ? now - LATE_MS : Math.min(now - LATE_MS, this.stamp(last) - 1);
    this.from = Math.max(this.from, upTo);
    for (const [key, s] of this.sent) if (s.stamp <= this.from) this.sent.delete(key);
    return fresh;
  }
}
