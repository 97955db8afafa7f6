import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expandSweep, sweepSpecFromObject, type TrialEvent } from '@iwae-sweep/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyTrialEvent } from './apply-trial-event.ts';
import { ResultsDb } from './results-db.ts';

const plan = expandSweep(
  sweepSpecFromObject({
    name: 'backends',
    base: { objective: 'iwae', trainSize: 100, testSize: 50, epochs: 2, evalK: 10, batchSize: 10 },
    grid: { k: [1, 5, 50, 100] },
  }),
);
const [a, b, c, d] = plan.trials.map((t) => t.id) as [string, string, string, string];

let dir: string;
let db: ResultsDb;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iwae-backends-'));
  db = ResultsDb.open(join(dir, 'iwae.db'));
  db.saveSweep({ id: plan.sweepId, spec: plan.spec, mode: 'redis', description: 'backends' });
  db.addTrials(plan.sweepId, plan.trials);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A trial started on `workerId`; updated_at is in ms, so the next one waits to be newer. */
async function started(workerId: string, trialId: string, backend?: string) {
  const event: TrialEvent = { type: 'started', trialId, ...(backend ? { backend } : {}) };
  applyTrialEvent(db, { sweepId: plan.sweepId, workerId, attempt: 1, event });
  await sleep(5);
}

describe('workerBackends', () => {
  it("names each worker's newest resolved backend; 'auto' and none are not backends", async () => {
    await started('gpu-1:7', a, 'wasm');
    await started('gpu-1:7', b, 'tensorflow');
    await started('gpu-1:7', c, 'auto');
    await started('cpu-2:9', d); // its backend not yet resolved
    expect(db.workerBackends(['gpu-1:7', 'cpu-2:9', 'never-ran:1'])).toEqual(new Map([['gpu-1:7', 'tensorflow']]));
    expect(db.workerBackends([])).toEqual(new Map());
  });
});
