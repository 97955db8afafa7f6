/** 4 equal trials through the local runner with N worker processes. argv: workers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandSweep, sweepSpecFromObject } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import { LineDisplay, LocalRunner } from '@iwae-sweep/scheduler';

const workers = Number(process.argv[2] ?? 1);
const dir = mkdtempSync(join(tmpdir(), 'iwae-par-'));
const plan = expandSweep(
  sweepSpecFromObject({
    name: 'par',
    base: { objective: 'iwae', k: 20, trainSize: 3000, batchSize: 100, epochs: 3, testSize: 50, evalK: 100 },
    seeds: 4,
  }),
);
const db = ResultsDb.open(join(dir, 'iwae.db'));
db.saveSweep({ id: plan.sweepId, spec: plan.spec, mode: 'local' });
db.addTrials(plan.sweepId, plan.trials);
const devNull = { write: () => true } as unknown as NodeJS.WritableStream;
const start = performance.now();
const summary = await new LocalRunner({
  db,
  sweepId: plan.sweepId,
  trials: db.trialsWithConfig(plan.sweepId),
  workers,
  backend: 'wasm',
  artifactsDir: dir,
  display: new LineDisplay(devNull),
}).run();
const seconds = (performance.now() - start) / 1000;
db.close();
rmSync(dir, { recursive: true, force: true });
if (summary.done !== 4) throw new Error(`only ${summary.done} trials finished`);
process.stdout.write(`${JSON.stringify({ workers, seconds, trialsPerMinute: (4 * 60) / seconds })}\n`);
