/**
 * One measurement, in its own process (a process runs one tfjs backend): training examples/s of
 * the 1-layer IWAE (784-200-200-50, decoder 50-200-200-784) at batch 100 for one K.
 * argv: backend gradient k steps. Prints one JSON line.
 */
import { normalizeTrialConfig } from '@iwae-sweep/core';
import { IwaeTrainer, initBackend, loadMnistImages, takeImages } from '@iwae-sweep/iwae';
import * as tf from '@tensorflow/tfjs-core';

const [backend = 'wasm', gradient = 'fast', kArg = '50', stepsArg = '5'] = process.argv.slice(2);
const k = Number(kArg);
const steps = Number(stepsArg);
const batch = 100;
await initBackend(backend as 'wasm');
// One epoch = `steps` batches; the first epoch warms up (kernel compilation, allocations).
const config = normalizeTrialConfig({
  objective: 'iwae',
  k,
  batchSize: batch,
  trainSize: batch * steps,
  epochs: 2,
  testSize: 10,
  evalK: 10,
});
const trainer = new IwaeTrainer(config, takeImages(loadMnistImages('train'), batch * steps), { gradient: gradient as 'fast' });
trainer.trainEpoch();
const tensors = tf.memory().numTensors;
const m = trainer.trainEpoch();
trainer.dispose();
process.stdout.write(
  `${JSON.stringify({ backend, gradient, k, batch, steps, examplesPerSecond: m.examplesPerSecond, secondsPerStep: m.seconds / steps, tensorsStable: tensors === tf.memory().numTensors || undefined })}\n`,
);
