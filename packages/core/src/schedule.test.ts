import { describe, expect, it } from 'vitest';
import { learningRateAt, normalizeTrialConfig, scheduleStages, totalEpochs } from './trial-config.ts';

describe('the paper’s learning-rate schedule', () => {
  const paper = normalizeTrialConfig({ objective: 'iwae', k: 5, schedule: 'paper' });

  it('is 8 stages of 3^i passes at 1e-3·10^(−i/7): 3,280 passes, from 1e-3 down to 1e-4', () => {
    expect(paper.schedule).toEqual({ type: 'paper', stages: 8 });
    const stages = scheduleStages(paper.schedule, paper.learningRate);
    expect(stages.map((s) => s.epochs)).toEqual([1, 3, 9, 27, 81, 243, 729, 2187]);
    expect(totalEpochs(paper.schedule)).toBe(3280);
    // Burda et al.: "1e-3 · 10^(−i/7)", so the last stage runs at 10^(−1) of the first.
    const want = [
      1e-3, 7.196856730011521e-4, 5.179474679231212e-4, 3.72759372031494e-4, 2.682695795279726e-4, 1.93069772888325e-4,
      1.389495494373136e-4, 1e-4,
    ];
    for (const [i, s] of stages.entries()) expect(s.learningRate).toBeCloseTo(want[i] as number, 15);
  });

  it('gives each epoch its stage’s rate, and nothing past the last epoch', () => {
    const at = (e: number) => learningRateAt(paper.schedule, 1e-3, e);
    expect(at(0)).toBe(1e-3);
    expect([1, 2, 3].map(at)).toEqual([1, 1, 1].map(() => 1e-3 * 10 ** (-1 / 7)));
    expect(at(4)).toBe(1e-3 * 10 ** (-2 / 7));
    expect(at(12)).toBe(1e-3 * 10 ** (-2 / 7));
    expect(at(13)).toBe(1e-3 * 10 ** (-3 / 7));
    expect(at(3279)).toBeCloseTo(1e-4, 18);
    expect(() => at(3280)).toThrow(RangeError);
    const constant = normalizeTrialConfig({ objective: 'iwae', k: 5, epochs: 3, learningRate: 3e-4 });
    expect([0, 1, 2].map((e) => learningRateAt(constant.schedule, constant.learningRate, e))).toEqual([3e-4, 3e-4, 3e-4]);
  });
});
