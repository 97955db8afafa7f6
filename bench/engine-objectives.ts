/**
 * Step time of every training objective on one backend, in one process: the 1-layer model
 * (784-200-200-50) at batch 100 with 50 samples per data point (K = 50; miwae/piwae m = 5 groups
 * of K = 10). Objectives are measured in interleaved rounds (iwae, the baseline, in every round)
 * and the median kept, so a load change on a shared machine hits them all alike.
 * argv: backend gradient steps rounds. Prints one JSON line.
 */
import { normalizeTrialConfig, type TrialConfigInput } from '@iwae-sweep/core';
import { IwaeTrainer, initBackend, loadMnistImages, takeImages } from '@iwae-sweep/iwae';

const [backend = 'wasm', gradient = 'fast', stepsArg = '5', roundsArg = '3'] = process.argv.slice(2);
const steps = Number(stepsArg);
const rounds = Number(roundsArg);
const batch = 100;
await initBackend(backend as 'wasm');
const images = takeImages(loadMnistImages('train'), batch * steps);

const OBJECTIVES: [string, Partial<TrialConfigInput>][] = [
  ['iwae', { objective: 'iwae', k: 50 }],
  ['iwae-dreg', { objective: 'iwae-dreg', k: 50 }],
  ['iwae-stl', { objective: 'iwae-stl', k: 50 }],
  ['miwae m=5 K=10', { objective: 'miwae', k: 10, m: 5 }],
  ['ciwae β=0.5', { objective: 'ciwae', k: 50, beta: 0.5 }],
  ['piwae m=5 K=10', { objective: 'piwae', k: 10, m: 5 }],
  ['vae', { objective: 'vae', k: 50 }],
];

const trainers = OBJECTIVES.map(([name, fields]) => {
  const config = normalizeTrialConfig({
    ...fields,
    batchSize: batch,
    trainSize: batch * steps,
    epochs: 1 + rounds,
    testSize: 10,
    evalK: 10,
  });
  const t = new IwaeTrainer(config, images, { gradient: gradient as 'fast' });
  t.trainEpoch(); // warm-up: kernel compilation, allocations
  return { name, t, seconds: [] as number[] };
});
for (let r = 0; r < rounds; r++) for (const x of trainers) x.seconds.push(x.t.trainEpoch().seconds / steps);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;
const base = median((trainers[0] as (typeof trainers)[number]).seconds);
const rows = trainers.map(({ name, t, seconds }) => {
  t.dispose();
  const s = median(seconds);
  return { objective: name, secondsPerStep: s, examplesPerSecond: batch / s, vsIwae: s / base };
});
process.stdout.write(`${JSON.stringify({ backend, gradient, batch, steps, rounds, rows })}\n`);
