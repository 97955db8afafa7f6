import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, homedir, hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type BackendName, normalizeTrialConfig, trialId } from '@iwae-sweep/core';
import { z } from 'zod';
import { TrialChildHandle } from '../trial-child-handle.ts';
import { trialCost } from './sweep-cost.ts';

/** This machine's measured speed on one backend, for one trial process (one core on CPU backends). */
export const calibrationSchema = z.object({
  backend: z.string(),
  /** Training flops per second of the cost model (estimateTrialFlops), one trial process. */
  flopsPerSecond: z.number().positive(),
  /**
   * Flops per second of forward-only passes (the validation bound, the test evaluation), timed on
   * the calibration trial's evaluation: several times the training speed on wasm (no transposed
   * matmuls). Absent in calibrations cached before it was measured: those are measured again.
   */
  forwardFlopsPerSecond: z.number().positive().optional(),
  /** Seconds from a trial process's start to its first epoch (runtime, backend, MNIST). */
  startupSeconds: z.number().min(0),
  measuredAt: z.number(),
  host: z.string(),
  cpu: z.string(),
});
export type Calibration = z.infer<typeof calibrationSchema>;

const cacheSchema = z.record(z.string(), calibrationSchema);

/** Calibrations older than this are measured again (a machine's load and software change). */
const MAX_AGE_MS = 7 * 24 * 3600 * 1000;

export function calibrationCacheFile(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'iwae-sweep', 'calibration.json');
}

function readCache(file: string): Record<string, Calibration> {
  try {
    const parsed = cacheSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : {};
  } catch {
    return {}; // none yet, or unreadable: measure again
  }
}

/**
 * The trial a calibration trains and evaluates: small, but long enough per epoch, and an
 * evaluation large enough (20,000 forward samples), to time the kernels.
 */
const CALIBRATION_TRIAL = {
  objective: 'iwae',
  k: 5,
  trainSize: 1000,
  batchSize: 100,
  epochs: 3,
  testSize: 200,
  evalK: 100,
  activeUnitImages: 2,
} as const;

/** Trains the calibration trial in a trial process, as a sweep's trials run, and times it. */
export async function measureThroughput(backend: BackendName): Promise<Calibration> {
  const config = normalizeTrialConfig(CALIBRATION_TRIAL);
  const cost = trialCost('calibration', config);
  const dir = mkdtempSync(join(tmpdir(), 'iwae-calibrate-'));
  const started = Date.now();
  let firstEpochAt: number | undefined;
  const rates: number[] = [];
  let evalSeconds: number | undefined;
  let actual: string = backend;
  try {
    await new Promise<void>((resolve, reject) => {
      // The child reports through the callbacks; it is stopped from them.
      new TrialChildHandle(1, {
        message: (c, msg) => {
          if (msg.type === 'ready')
            c.run({ sweepId: 'calibration', trialId: trialId('calibration', config), config, backend }, dir, backend);
          if (msg.type !== 'event') return;
          const e = msg.event;
          if (e.type === 'phase' && e.backend) actual = e.backend;
          if (e.type === 'epoch') {
            firstEpochAt ??= Date.now() - e.metrics.seconds * 1000;
            if (e.metrics.epoch > 1) rates.push(e.metrics.examplesPerSecond); // the first warms up
          }
          if (e.type === 'result') {
            evalSeconds = e.result.evalSeconds;
            void c.stop().then(resolve);
          }
          if (e.type === 'failed') void c.stop().then(() => reject(new Error(`calibration failed: ${e.error.message}`)));
        },
        exit: (_c, info) => {
          if (evalSeconds === undefined) reject(new Error(`calibration process exited early: ${info.stderr}`));
        },
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const examplesPerSecond = rates.reduce((a, b) => a + b, 0) / rates.length;
  return {
    backend: actual,
    flopsPerSecond: (examplesPerSecond * cost.trainFlopsPerEpoch) / config.trainSize,
    forwardFlopsPerSecond: cost.evalFlops / Math.max(evalSeconds ?? 0, 1e-3),
    startupSeconds: ((firstEpochAt ?? started) - started) / 1000,
    measuredAt: Date.now(),
    host: hostname(),
    cpu: cpus()[0]?.model ?? 'unknown',
  };
}

/**
 * This machine's calibration for a backend: from the cache if measured here within a week,
 * else measured now (a few seconds) and cached.
 */
export async function calibration(
  backend: BackendName,
  opts: { refresh?: boolean; log?: (line: string) => void; file?: string } = {},
): Promise<Calibration> {
  const file = opts.file ?? calibrationCacheFile();
  const cache = readCache(file);
  const cached = cache[backend];
  const fresh =
    cached &&
    cached.host === hostname() &&
    Date.now() - cached.measuredAt < MAX_AGE_MS &&
    cached.forwardFlopsPerSecond !== undefined;
  if (!opts.refresh && cached && fresh) return cached;
  opts.log?.(`measuring this machine's throughput on backend ${backend} (once a week; cached in ${file})…`);
  const measured = await measureThroughput(backend);
  cache[backend] = measured;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(cache, null, 2)}\n`);
  } catch (err) {
    opts.log?.(`could not cache the calibration in ${file}: ${(err as Error).message}`);
  }
  return measured;
}
