/** 4 equal trials through the local runner with N worker processes. argv: workers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandSweep, sweepSpecFromObject } from '@iwae-sweep/core';
import { ResultsDb } from '@iwae-sweep/db';
import { timedLocalSweep } from './timed-local-sweep.ts';

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
const { summary, seconds } = await timedLocalSweep(db, plan, { workers, artifactsDir: dir });
db.close();
rmSync(dir, { recursive: true, force: true });
if (summary.done !== 4) throw new Error(`only ${summary.done} trials finished`);
process.stdout.write(`${JSON.stringify({ workers, seconds, trialsPerMinute: (4 * 60) / seconds })}\n`);
