import { normalizeTrialConfig } from '@iwae-sweep/core';
import { describe, expect, it } from 'vitest';
import { epochBounds, trainLkLabel, trainLkOfEachLabel } from './bound-labels.js';
import { estimatorName, samplesLabel, trialLabel } from './estimator-labels.js';

describe('estimator and sample labels', () => {
  const miwae = normalizeTrialConfig({ objective: 'miwae', k: 10, m: 5 });
  const iwae = normalizeTrialConfig({ objective: 'iwae', k: 50, m: 5 });

  it('say M × K where a step draws m groups of K, K alone otherwise (m is dropped there)', () => {
    expect(samplesLabel(miwae)).toBe('M=5 × K=10');
    expect(samplesLabel(iwae)).toBe('K=50');
    expect(samplesLabel({ k: 3, m: null })).toBe('K=3');
    expect(trialLabel({ ...miwae, seed: 2 })).toBe('miwae 1L M=5 × K=10 z=50 s2');
    expect(estimatorName(miwae)).toBe('miwae M=5');
    expect(estimatorName(normalizeTrialConfig({ objective: 'ciwae', k: 5, beta: 0.25 }))).toBe('ciwae β=0.25');
    expect(estimatorName(iwae)).toBe('iwae');
  });

  it('name the training L_K by all the samples it averages, as the trial is named: M × K for miwae', () => {
    const m = { epoch: 1, trainBound: -100, trainElbo: -110, trainIwae: -99 };
    expect(epochBounds(m, miwae)).toBe('train ELBO (L_1 est.) -110.00  train L_K (M=5 × K=10) -99.00');
    expect(epochBounds(m, iwae)).toBe('train ELBO (L_1 est.) -110.00  train L_K (K=50) -99.00');
    // The trial page's learning-curve figure, and the charts of many trials.
    expect(trainLkLabel(miwae)).toBe('train L_K (M=5 × K=10)');
    expect(trainLkOfEachLabel([iwae, iwae])).toBe("train L_K (K=each trial's k)");
    expect(trainLkOfEachLabel([iwae, miwae])).toBe("train L_K (K=each trial's k, or M=m × K=k for miwae/piwae)");
  });
});
