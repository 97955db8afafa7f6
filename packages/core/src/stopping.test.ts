import { describe, expect, it } from 'vitest';
import { judgeAtRung, median, rungCutoff, rungEpochs, rungIndex, type Stopping, stoppingSchema } from './stopping.ts';

const asha = (minEpochs: number, reductionFactor: number): Stopping => ({ method: 'asha', minEpochs, reductionFactor });

describe('rungs', () => {
  it('are at minEpochs·η^i, before the last epoch', () => {
    expect(rungEpochs(asha(1, 3), 27)).toEqual([1, 3, 9]);
    expect(rungEpochs(asha(1, 3), 28)).toEqual([1, 3, 9, 27]);
    expect(rungEpochs(asha(2, 2), 16)).toEqual([2, 4, 8]);
    expect(rungEpochs(asha(5, 3), 5)).toEqual([]);
    expect(rungIndex(asha(1, 3), 27, 9)).toBe(2);
    expect(rungIndex(asha(1, 3), 27, 4)).toBeUndefined();
  });

  it('of the median rule are every epoch from minEpochs to the one before the last', () => {
    expect(rungEpochs({ method: 'median', minEpochs: 2, minTrials: 3 }, 5)).toEqual([2, 3, 4]);
  });

  it('default η to 3 and the median rule to 3 other trials', () => {
    expect(stoppingSchema.parse({ method: 'asha', minEpochs: 1 })).toEqual(asha(1, 3));
    expect(stoppingSchema.parse({ method: 'median', minEpochs: 1 })).toEqual({ method: 'median', minEpochs: 1, minTrials: 3 });
  });
});

describe('ASHA decisions', () => {
  const rung = { index: 0, epoch: 1 };
  /** Feeds arrivals in order; returns which continued. */
  function run(s: Stopping, arrivals: number[]): boolean[] {
    const seen: number[] = [];
    return arrivals.map((m) => {
      const d = judgeAtRung(s, rung, m, [...seen]);
      seen.push(m);
      return !d.stop;
    });
  }

  it('keep a trial that ranks in the top ⌈n/η⌉ of the n recorded at the rung, itself included', () => {
    // Each arrival is the worst so far: only the first (alone at the rung) continues.
    expect(run(asha(1, 3), [-90, -91, -92, -93, -94, -95])).toEqual([true, false, false, false, false, false]);
    // Each arrival is the best so far: all continue.
    expect(run(asha(1, 3), [-95, -94, -93, -92, -91, -90])).toEqual([true, true, true, true, true, true]);
    // 4th arrival ranks 2nd of 4: ⌈4/3⌉ = 2 continue, so it does; with η = 4 only 1 does.
    expect(judgeAtRung(asha(1, 3), rung, -91, [-90, -92, -93]).stop).toBe(false);
    expect(judgeAtRung(asha(1, 4), rung, -91, [-90, -92, -93]).stop).toBe(true);
    // Ties count in the trial's favour.
    expect(judgeAtRung(asha(1, 3), rung, -90, [-90, -90]).stop).toBe(false);
  });

  it('keep about 1/η of a long random arrival order', () => {
    let x = 12345;
    const arrivals = Array.from({ length: 3000 }, () => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      return -100 + x / 2 ** 31;
    });
    const kept = run(asha(1, 3), arrivals).filter(Boolean).length / arrivals.length;
    // Σ ⌈n/3⌉/n over n ≤ N → N/3 + O(log N): within 1 % of 1/3 here.
    expect(kept).toBeGreaterThan(1 / 3 - 0.01);
    expect(kept).toBeLessThan(1 / 3 + 0.02);
  });

  it('say why, with the rank and the cut', () => {
    const d = judgeAtRung(asha(1, 3), { index: 1, epoch: 3 }, -100.5, [-99, -98, -97]);
    expect(d).toEqual({
      stop: true,
      reason: 'rung 2 (epoch 3): validation bound -100.50 ranks 4th of 4; stopped: the top 2 (1/3) continue',
    });
  });
});

describe('median rule', () => {
  const s: Stopping = { method: 'median', minEpochs: 1, minTrials: 3 };
  it('stops a trial below the median of the others at the same epoch, once there are minTrials others', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(judgeAtRung(s, { index: 0, epoch: 2 }, 1.5, [1, 2, 3]).stop).toBe(true);
    expect(judgeAtRung(s, { index: 0, epoch: 2 }, 2, [1, 2, 3]).stop).toBe(false);
    expect(judgeAtRung(s, { index: 0, epoch: 2 }, -1e9, [1, 2]).stop).toBe(false);
    expect(judgeAtRung(s, { index: 0, epoch: 2 }, 1.5, [1, 2, 3]).reason).toBe(
      'epoch 2: validation bound 1.50 below the median 2.00 of 3 other trial(s)',
    );
  });
});

describe('rung cutoff', () => {
  const rung = { index: 0, epoch: 1 };
  // A fixed pseudo-random stream (LCG): the same cases on every run.
  let state = 12345;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return -100 + (state / 2 ** 31) * 10;
  };
  const rules: Stopping[] = [asha(1, 2), asha(1, 3), asha(1, 4), { method: 'median', minEpochs: 1, minTrials: 3 }];

  it('is the least metric that judgeAtRung lets continue, for every count recorded so far', () => {
    for (const rule of rules) {
      for (let n = 0; n <= 12; n++) {
        const recorded = Array.from({ length: n }, next);
        const cut = rungCutoff(rule, recorded);
        if (cut === null) {
          // Anything continues: even far below every recorded metric.
          expect(judgeAtRung(rule, rung, -1e9, recorded).stop, `${rule.method} n=${n}`).toBe(false);
          continue;
        }
        expect(judgeAtRung(rule, rung, cut, recorded).stop, `${rule.method} n=${n} at the cutoff`).toBe(false);
        expect(judgeAtRung(rule, rung, cut - 1e-9, recorded).stop, `${rule.method} n=${n} just below`).toBe(true);
      }
    }
  });

  it('ASHA with η = 3: none while ⌈(n+1)/3⌉ > n, then the ⌈(n+1)/3⌉-th best', () => {
    expect(rungCutoff(asha(1, 3), [])).toBeNull();
    expect(rungCutoff(asha(1, 3), [-90])).toBe(-90);
    expect(rungCutoff(asha(1, 3), [-92, -90, -91])).toBe(-91);
    expect(rungCutoff({ method: 'median', minEpochs: 1, minTrials: 3 }, [-90, -94])).toBeNull();
    expect(rungCutoff({ method: 'median', minEpochs: 1, minTrials: 3 }, [-90, -94, -91, -92])).toBe(-91.5);
  });
});
