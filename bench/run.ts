/**
 * `pnpm bench [suite…] [--full]`: every figure the issues ask for, each with its baseline
 * measured in the same run. Suites: engine, estimators, eval, parallel, db, dashboard, queue,
 * stopping, makespan, plan (default: all).
 * Engine figures come from separate processes (a process runs one tfjs backend).
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const args = process.argv.slice(2);
const full = args.includes('--full');
const suites = args.filter((a) => !a.startsWith('--'));
const want = (s: string) => suites.length === 0 || suites.includes(s);
let probing = false;

function child<T>(script: string, ...argv: string[]): T {
  const out = execFileSync(process.execPath, ['--import', 'tsx', here(script), ...argv], {
    encoding: 'utf8',
    // A probe of a backend that is not installed fails by design: keep its stderr out of the way.
    stdio: ['ignore', 'pipe', probing ? 'ignore' : 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = out.trim().split('\n').at(-1) ?? '{}';
  return JSON.parse(line) as T;
}

function table(rows: Record<string, string | number>[]): void {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0] as object);
  const cell = (v: unknown) => (typeof v === 'number' ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2)) : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padStart(widths[i] as number)).join('  ');
  console.log(line(cols));
  for (const r of rows) console.log(line(cols.map((c) => cell(r[c]))));
}

console.log(`iwae-sweep benchmarks — ${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, Node ${process.version}\n`);

/** The machine's load when a figure was taken: on a shared machine, part of every timing. */
const loadNote = () =>
  `(load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')} over 1, 5, 15 min)`;

if (want('engine')) {
  console.log('## Training throughput: 1-layer IWAE (784-200-200-50), batch 100, one core (examples/s)');
  type Step = { backend: string; gradient: string; k: number; examplesPerSecond: number; tensorsStable?: boolean };
  const available = ['wasm', 'cpu'];
  for (const native of ['tensorflow', 'tensorflow-gpu']) {
    probing = true;
    try {
      child<Step>('engine-step.ts', native, 'fast', '1', '2');
      available.push(native);
    } catch {
      console.log(`(${native}: not installed here; skipped)`);
    } finally {
      probing = false;
    }
  }
  const rows: Record<string, string | number>[] = [];
  for (const k of [1, 5, 50]) {
    const r: Record<string, number> = {};
    for (const backend of available) {
      for (const gradient of ['fast', 'reference']) {
        const steps = backend === 'cpu' && k === 50 ? 2 : backend === 'cpu' || gradient === 'reference' ? 4 : 10;
        r[`${backend}/${gradient}`] = child<Step>(
          'engine-step.ts',
          backend,
          gradient,
          String(k),
          String(steps),
        ).examplesPerSecond;
      }
    }
    const base = r['wasm/reference'] as number;
    const cpu = r['cpu/reference'] as number;
    rows.push({
      K: k,
      ...Object.fromEntries(Object.entries(r).map(([n, v]) => [n, v])),
      'fast÷wasm-autodiff': (r['wasm/fast'] as number) / base,
      'fast÷cpu-autodiff': (r['wasm/fast'] as number) / cpu,
    });
  }
  table(rows);
  console.log('(reference = tfjs autodiff, the baseline; fast = our hand-written gradients; the default path is wasm/fast)\n');
  console.log('## Sustained: wasm/fast, K=50, epochs 1 and 5 on 2000 images (IWAE weights sharpen as it learns)');
  type Sus = { objective: string; first: number; last: number };
  table(
    ['iwae', 'vae']
      .map((o) => child<Sus>('engine-sustained.ts', o))
      .map((r) => ({ objective: r.objective, 'epoch 1 ex/s': r.first, 'epoch 5 ex/s': r.last })),
  );
  console.log('');
}

if (want('estimators')) {
  console.log('## Training objectives at 50 samples per data point: 1-layer model, batch 100, wasm, one core');
  type Row = { objective: string; secondsPerStep: number; examplesPerSecond: number; vsIwae: number };
  const { rows } = child<{ rows: Row[] }>('engine-objectives.ts', 'wasm', 'fast', full ? '10' : '4', full ? '5' : '3');
  table(
    rows.map((r) => ({
      objective: r.objective,
      'ms/step': r.secondsPerStep * 1000,
      'examples/s': r.examplesPerSecond,
      '÷iwae': r.vsIwae,
    })),
  );
  console.log('(median of interleaved rounds; iwae is the baseline; target: iwae-dreg within 1.5×)\n');
}

if (want('eval')) {
  const images = full ? 1000 : 200;
  console.log(`## Evaluation: L_5000 on ${images} test images (forward only, chunked over samples)`);
  type Ev = { seconds: number; samplesPerSecond: number; maxRows: number };
  const rows = [4096, 16384].map((rowsPer) => {
    const r = child<Ev>('engine-eval.ts', 'wasm', '5000', String(images), String(rowsPer));
    return {
      'rows/pass': rowsPer,
      seconds: r.seconds,
      'samples/s': r.samplesPerSecond,
      'seconds for 1000 images': (r.seconds * 1000) / images,
    };
  });
  table(rows);
  console.log(full ? '' : '(measured on 200 images; the 1000-image figure scales linearly — run with --full to measure it)\n');
}

if (want('parallel')) {
  console.log('## Sweep throughput: 4 equal trials through the local runner, 1 vs 2 worker processes');
  type Par = { workers: number; seconds: number; trialsPerMinute: number };
  const one = child<Par>('sweep-parallel.ts', '1');
  const two = child<Par>('sweep-parallel.ts', '2');
  table([
    { workers: 1, seconds: one.seconds, 'trials/min': one.trialsPerMinute, speedup: 1 },
    { workers: 2, seconds: two.seconds, 'trials/min': two.trialsPerMinute, speedup: two.trialsPerMinute / one.trialsPerMinute },
  ]);
  console.log('');
}

if (want('db')) {
  const n = full ? 100_000 : 20_000;
  console.log(`## Results DB at scale: ${n} trials written through recordResult (each with per-K bounds and 3 epochs)`);
  type Db = Record<string, number>;
  const r = child<Db>('db-scale.ts', String(n));
  table([
    {
      trials: r.trials as number,
      'fill s': r.fillSeconds as number,
      'results s (all rows)': r.resultsSeconds as number,
      'filtered+sorted s': r.filteredSortedSeconds as number,
      'report s': r.reportSeconds as number,
      'status s': r.statusSeconds as number,
    },
  ]);
  console.log(full ? '' : '(20k trials by default; --full runs the 100k of the target: its fill takes minutes)\n');
}

if (want('dashboard')) {
  console.log('## Dashboard: page load with 10,000 trials in a sweep (headless Chromium)');
  table([child<Record<string, number>>('dashboard-load.ts', '10000')]);
  console.log('');
}

if (want('queue')) {
  console.log('## Queue: no-op job throughput, raw BullMQ vs through our layer (same Redis, same run)');
  table([child<Record<string, number>>('queue-throughput.ts', full ? '20000' : '10000')]);
  console.log(`${loadNote()}\n`);
  // Per-trial orchestration costs a few tens of ms (Redis round trips, BullMQ's sandbox IPC):
  // the overhead is reported for trials of 1 s, and the cost per trial for any length.
  const [n, sleep, conc] = full ? [2000, 1000, 20] : [500, 1000, 10];
  console.log(
    `## Orchestration overhead: ${n} short trials (${sleep} ms sleep each, ${conc} at a time) through launch → sandboxed worker processes → results queue → collector → DB`,
  );
  table([child<Record<string, number>>('queue-overhead.ts', String(n), String(sleep), String(conc))]);
  console.log(`${loadNote()}\n`);
}

if (want('stopping')) {
  // Quick: 27 configs of 9 epochs on 1000 images, K ≤ 20; --full: 2000 images, K ≤ 50.
  const [trainSize, maxK] = full ? [2000, 50] : [1000, 20];
  console.log(
    `## Compute to the best configuration: random search of 27 configs (latent, hidden, learning rate, K ≤ ${maxK}), 9 epochs on ${trainSize} images, 2 worker processes: full length vs ASHA η=3`,
  );
  table([child<Record<string, number>>('asha-vs-full.ts', '27', '9', String(trainSize), String(maxK))]);
  console.log("(plan ÷ measured: the planner's wall-time estimate of the full search over its measured wall time)\n");
}

if (want('makespan')) {
  console.log('## Makespan: K ∈ {1,5,50} × vae/iwae × 2 seeds through 2 distributed workers, one launch vs two halves (add)');
  table([child<Record<string, number>>('makespan-extension.ts', full ? '2000' : '1000', '2')]);
  console.log("(ratio = makespan ÷ max(Σt/2, max t), t = each trial's own measured duration)");
  console.log(`${loadNote()}\n`);
}

if (want('plan')) {
  console.log(
    "## Planner vs clock: plan's wall-time estimate of a small sweep (K ∈ {1,5,20} × vae/iwae, validation L_100 on 500 images) against its measured wall time, 2 worker processes",
  );
  table([child<Record<string, number>>('plan-vs-measured.ts', '2', full ? '2000' : '1000', '3')]);
  console.log('(target: within 30 %; the calibration is measured in the same run, the cached one is what `plan` uses)');
  console.log(`${loadNote()}\n`);
}
