import { describe, expect, it } from 'vitest';
import { LATE_MS, LiveCursor } from './live-cursor.ts';

type Row = { id: string; at: number; v?: number };
/** The rows a read from `since` finds, oldest first, up to `limit` (as the DB reads them). */
const read = (rows: Row[], since: number, limit = Infinity) =>
  rows
    .filter((r) => r.at > since)
    .sort((x, y) => x.at - y.at)
    .slice(0, limit);

describe('LiveCursor', () => {
  it('a read cut at its limit goes on from its last row next time, inside the millisecond too', () => {
    const now = 100_000;
    const rows: Row[] = [
      { id: 'a', at: now - 2 * LATE_MS },
      { id: 'b', at: now - 2 * LATE_MS },
      { id: 'c', at: now - 2 * LATE_MS },
      { id: 'd', at: now - 2 * LATE_MS + 5 },
    ];
    const cursor = new LiveCursor<Row>(
      0,
      now,
      (r) => r.id,
      (r) => r.at,
    );
    const limit = 2 + cursor.remembered;
    const first = read(rows, cursor.since, limit);
    expect(cursor.take(first, now, first.length < limit).map((r) => r.id)).toEqual(['a', 'b']);
    const limit2 = 2 + cursor.remembered;
    const second = read(rows, cursor.since, limit2);
    expect(cursor.take(second, now, second.length < limit2).map((r) => r.id)).toEqual(['c', 'd']);
  });

  it('sends a row again when it changed, and forgets rows once they are out of the window', () => {
    const now = 100_000;
    const cursor = new LiveCursor<Row>(
      now,
      now,
      (r) => r.id,
      (r) => r.at,
    );
    expect(cursor.take([{ id: 'a', at: now, v: 1 }], now, true)).toHaveLength(1);
    expect(cursor.take([{ id: 'a', at: now, v: 1 }], now + 10, true)).toHaveLength(0);
    expect(cursor.take([{ id: 'a', at: now, v: 2 }], now + 20, true)).toHaveLength(1);
    expect(cursor.remembered).toBe(1);
    cursor.take([], now + LATE_MS + 1, true);
    expect(cursor.remembered).toBe(0);
  });
});
