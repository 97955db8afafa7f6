/**
 * Evaluation time of L_K on test images (forward only, chunked over samples), in its own process.
 * argv: backend k images maxRows. Prints one JSON line.
 */
import { normalizeTrialConfig } from '@iwae-sweep/core';
import { evaluateBound, IwaeTrainer, initBackend, loadMnistImages, takeImages } from '@iwae-sweep/iwae';

const [backend = 'wasm', kArg = '5000', imagesArg = '1000', rowsArg = '16384'] = process.argv.slice(2);
await initBackend(backend as 'wasm');
const config = normalizeTrialConfig({
  objective: 'iwae',
  k: 5,
  batchSize: 100,
  trainSize: 100,
  epochs: 1,
  testSize: 10,
  evalK: 10,
});
const trainer = new IwaeTrainer(config, takeImages(loadMnistImages('train'), 100));
trainer.trainEpoch();
const images = takeImages(loadMnistImages('test'), Number(imagesArg));
const r = await evaluateBound(trainer.ops, trainer.params, trainer.arch, images, {
  k: Number(kArg),
  seed: 0,
  maxRows: Number(rowsArg),
});
trainer.dispose();
process.stdout.write(
  `${JSON.stringify({ backend, k: r.k, images: r.images, maxRows: Number(rowsArg), seconds: r.seconds, samplesPerSecond: (r.k * r.images) / r.seconds })}\n`,
);
