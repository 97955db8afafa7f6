/**
 * Throughput late in training, where the IWAE's importance weights are peaked: 5 epochs of 2000
 * MNIST images at K=50, batch 100; reports the first and the last epoch. argv: objective.
 */
import { normalizeTrialConfig } from '@iwae-sweep/core';
import { IwaeTrainer, initBackend, loadMnistImages, takeImages } from '@iwae-sweep/iwae';

const objective = (process.argv[2] ?? 'iwae') as 'iwae' | 'vae';
await initBackend('wasm');
const trainer = new IwaeTrainer(
  normalizeTrialConfig({ objective, k: 50, batchSize: 100, trainSize: 2000, epochs: 5 }),
  takeImages(loadMnistImages('train'), 2000),
);
const epochs = Array.from({ length: 5 }, () => trainer.trainEpoch().examplesPerSecond);
trainer.dispose();
process.stdout.write(`${JSON.stringify({ objective, first: epochs[0], last: epochs[4] })}\n`);
