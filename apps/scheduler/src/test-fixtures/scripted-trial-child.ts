/**
 * A stand-in for the worker's local trial child that speaks the same IPC protocol but trains
 * nothing: what it does with a trial is scripted by the trial's `k`, so that the local runner's
 * tests run in a second, not minutes.
 *   k=1  succeeds after its epochs
 *   k=2  dies (exit 3) after epoch 1 on its first attempt, then resumes from that epoch and succeeds
 *   k=3  fails with a final error (like diverged training)
 *   k=4  fails with a retryable error on every attempt
 *   k=5  trains epoch 1, then waits until the file <checkpointDir>/<trial id>.release exists
 * FIXTURE_CHILD_DIE_AT_START=1 makes it exit before saying it is ready.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EpochMetrics, type TrialConfig, type TrialEvent, type TrialResult, totalEpochs } from '@iwae-sweep/core';
import type { FromChild, ToChild } from '@iwae-sweep/worker';

if (process.env.FIXTURE_CHILD_DIE_AT_START === '1') process.exit(1);

const send = (msg: FromChild) =>
  new Promise<void>((resolve) =>
    process.connected && process.send ? process.send(msg, undefined, {}, () => resolve()) : resolve(),
  );
const emit = (event: TrialEvent) => send({ type: 'event', event });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const metrics = (config: TrialConfig, epoch: number): EpochMetrics => ({
  epoch,
  trainBound: -100 - 10 / epoch,
  seconds: 0.01,
  examplesPerSecond: 1000,
  learningRate: config.learningRate,
});

function result(config: TrialConfig, resumedFromEpoch: number): TrialResult {
  const n = totalEpochs(config.schedule);
  const epochs = Array.from({ length: n }, (_, i) => metrics(config, i + 1));
  return {
    testNll: 100 + config.k,
    testBound: -100 - config.k,
    evalK: config.evalK,
    testBoundsByK: {},
    trainBound: epochs.at(-1)?.trainBound ?? -100,
    activeUnits: 1,
    activeUnitsPerLayer: [1],
    epochs,
    examplesPerSecond: 1000,
    trainSeconds: 0.01 * n,
    evalSeconds: 0,
    backend: 'fixture',
    gradient: 'fast',
    seed: config.seed,
    resumedFromEpoch,
    config,
  };
}

async function run(msg: Extract<ToChild, { type: 'run' }>): Promise<void> {
  const { trialId, config } = msg.job;
  mkdirSync(msg.checkpointDir, { recursive: true });
  const crashed = join(msg.checkpointDir, `${trialId}.crashed`);
  const resumed = config.k === 2 && existsSync(crashed) ? 1 : 0;
  await emit({ type: 'phase', trialId, phase: 'training', backend: 'fixture', resumedFromEpoch: resumed });
  if (config.k === 3) {
    await emit({
      type: 'failed',
      trialId,
      error: { name: 'NonFiniteLossError', message: 'training diverged (fixture)' },
      final: true,
    });
    return;
  }
  if (config.k === 4) {
    await emit({ type: 'failed', trialId, error: { name: 'Error', message: 'flaky (fixture)' }, final: false });
    return;
  }
  const n = totalEpochs(config.schedule);
  for (let epoch = resumed + 1; epoch <= n; epoch++) {
    await emit({ type: 'epoch', trialId, metrics: metrics(config, epoch), totalEpochs: n });
    if (epoch === 1 && config.k === 2 && !resumed) {
      writeFileSync(crashed, '');
      process.exit(3);
    }
    if (epoch === 1 && config.k === 5) {
      while (!existsSync(join(msg.checkpointDir, `${trialId}.release`))) await sleep(20);
    }
  }
  await emit({ type: 'result', trialId, result: result(config, resumed) });
}

process.on('message', (raw) => {
  const msg = raw as ToChild;
  if (msg.type === 'shutdown') process.exit(0);
  if (msg.type === 'run') void run(msg); // rung decisions: this fixture has no stopping rule
});
process.on('disconnect', () => process.exit(0));
void send({ type: 'ready', pid: process.pid });
