import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rungDecisionKey } from '@iwae-sweep/queue';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanups.ts';
import { runCli, trialProcessesOf, waitFor, whileFrozen } from '../helpers/cli.ts';
import { SHARED_REDIS, testDeployment } from '../helpers/deployment.ts';
import { readTrials, withDb } from '../helpers/sweep-fixture.ts';

const spec = (learningRates: string) => `name: es
stopping: { method: asha, minEpochs: 1, reductionFactor: 2 }
base: { objective: iwae, k: 3, trainSize: 1000, testSize: 20, batchSize: 50, epochs: 6, evalK: 20, validationSize: 100, validationK: 20 }
grid: { learningRate: ${learningRates} }
`;

const onCleanup = cleanupAfterEach();

const rungsOf = (db: string) => {
  try {
    return withDb(db, (d) => d.rungs.rungsOfSweep('es'));
  } catch {
    return [];
  }
};

describe('early stopping across machines', () => {
  it("the collector's stop decision reaches a trial running on another worker at its rung; it stops there, checkpoint kept", async () => {
    const s = testDeployment('es', spec('[0.003]'), onCleanup);
    // Two workers (two machines): one takes the learner, the other idles until the add. Both are
    // up before the learner is queued (on a loaded machine one can start seconds after the other).
    const workers = [s.start(['worker', '--checkpoints', s.ckpt]), s.start(['worker', '--checkpoints', s.ckpt])];
    const b = workers[1] as (typeof workers)[number];
    await waitFor(
      () => workers.every((w) => /waiting for trials/.test(w.seen().stderr)),
      120_000,
      'both workers waiting for trials',
      100,
      () => workers.map((w) => w.seen().stderr.slice(-300)),
    );
    // The learner first, alone: it records the first rung result on one worker.
    expect((await runCli(['launch', s.spec, '--db', s.db], { env: s.env })).code).toBe(0);
    s.start(['serve', '--db', s.db, '--no-dashboard']);
    const learner = await waitFor(
      () => (rungsOf(s.db).length >= 1 ? readTrials(s.db, 'es').find((t) => t.status === 'running') : undefined),
      120_000,
      'the first rung result, the learner still running',
      200,
      () => readTrials(s.db, 'es'),
    );
    // Then a trial that barely learns joins the sweep and runs on the idle worker, while the
    // learner is still training on the other: at epoch 1 it ranks 2nd of 2, and only the top 1
    // continues. The learner's process is frozen while `add` starts up, so that it cannot finish
    // first (its worker would then be free to take the new trial too).
    const busy = workers.find((w) => learner.workerId?.endsWith(`:${w.pid}`));
    const learnerProcs = busy ? trialProcessesOf(busy.pid as number) : [];
    writeFileSync(s.spec, spec('[0.003, 0.000001]'));
    const add = await whileFrozen(learnerProcs, () => runCli(['add', s.spec, '--db', s.db], { env: s.env }));
    expect(add.code, add.stderr).toBe(0);
    const stopped = await waitFor(
      () => readTrials(s.db, 'es').find((t) => t.status === 'stopped'),
      120_000,
      'a trial stopped',
      200,
      () => readTrials(s.db, 'es').map((t) => [t.status, t.epochsDone, t.workerId]),
    );
    expect(stopped).toMatchObject({ stopEpoch: 1, epochsDone: 1 });
    expect(stopped.stopReason).toMatch(/rung 1 \(epoch 1\): validation bound -\d+\.\d\d ranks 2nd of 2; stopped/);
    expect(stopped.workerId).not.toBe(readTrials(s.db, 'es').find((t) => t.id !== stopped.id)?.workerId);
    expect(withDb(s.db, (d) => d.trialConfig(stopped.id)?.learningRate)).toBe(0.000001);
    expect(existsSync(join(s.ckpt, `${stopped.id}.ckpt`)), 'the stopped trial keeps its checkpoint').toBe(true);
    // The worker that ran it is fine and idle; the learner finishes.
    await waitFor(
      () => readTrials(s.db, 'es').find((t) => t.id !== stopped.id && t.status === 'done'),
      120_000,
      'the learner done',
      200,
      () => readTrials(s.db, 'es').map((t) => [t.status, t.epochsDone]),
    );
    expect(b.exitCode).toBeNull();
    // Its decisions are removed from Redis once the trials have ended; its checkpoint is kept.
    const redis = new Redis(SHARED_REDIS);
    try {
      const key = rungDecisionKey(s.prefix, stopped.id, 1);
      const deadline = Date.now() + 10_000;
      while ((await redis.exists(key)) === 1) {
        if (Date.now() > deadline) throw new Error(`${key} still exists 10 s after the trial stopped`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await redis.quit();
    }
    const status = await runCli(['status', '--db', s.db, '--sweep', 'es']);
    expect(status.stdout).toMatch(/done/);
    // --resume-stopped through Redis: the stopped trial continues from its checkpoint to the end.
    const resumed = await runCli(['launch', s.spec, '--db', s.db, '--resume-stopped'], { env: s.env });
    expect(resumed.stderr).toMatch(/1 queued in Redis/);
    await waitFor(
      () => readTrials(s.db, 'es').every((t) => t.status === 'done') && readTrials(s.db, 'es').length === 2,
      120_000,
      'both trials done',
      200,
      () => readTrials(s.db, 'es').map((t) => [t.status, t.epochsDone]),
    );
    expect(withDb(s.db, (d) => d.getTrial(stopped.id)?.resumedFromEpoch)).toBe(1);
    // Seven CLI starts, two workers and eleven epochs in a row: 306 s at a load of 20 on two cores.
  }, 840_000);
});
