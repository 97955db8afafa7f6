/**
 * The chaos soak: a real sweep of short trials on a {@link Cluster} (TLS, password, separate
 * hosts, no shared disk) while random faults are injected, then the invariants a user relies on.
 * Used by `pnpm chaos` (long runs by hand) and by a short seeded test in CI.
 */
import { execFileSync } from 'node:child_process';
import { Rng } from '@iwae-sweep/core';
import { runCli, tempDir } from './cli.ts';
import { Cluster } from './cluster.ts';
import { withDb } from './sweep-fixture.ts';

export interface ChaosOptions {
  seed: number;
  trials: number;
  workers: number;
  faults: number;
  /** Give up (and fail "no stuck trial") after this long. */
  minutes: number;
  lockMs?: number;
  /** Training images per trial (default 400): longer trials leave room for more faults. */
  trainSize?: number;
  /** Only these faults (default: every kind), to aim at one failure mode. */
  kinds?: readonly FaultKind[];
  log?: (line: string) => void;
}

export const FAULT_KINDS = [
  'kill-worker',
  'kill-trial-process',
  'kill-collector',
  'freeze-host',
  'partition-host',
  'slow-link',
  'restart-redis',
  'client-kill-all',
  'checkpoint-write-fails',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Invariant {
  name: string;
  held: boolean;
  detail: string;
}

export interface ChaosReport {
  options: ChaosOptions;
  faults: Record<FaultKind, number>;
  faultsTotal: number;
  trials: number;
  done: number;
  seconds: number;
  invariants: Invariant[];
  /** Attempts the safety nets ended: trials silent past the stall timeout, Redis commands timed out. */
  recovered: { stalledTrialsEnded: number; commandTimeouts: number };
  ok: boolean;
}

/** The sweep: `trials` seeds of one small IWAE (a few short epochs each). */
export function chaosSpec(trials: number, trainSize = 400): string {
  return `name: chaos
base: { trainSize: ${trainSize}, testSize: 20, batchSize: 100, epochs: 3, evalK: 20, evalKs: [1, 5] }
grid:
  k: [5]
  objective: [iwae]
seeds: ${trials}
`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface TrialNumbers {
  id: string;
  status: string;
  /** Attempts and last error (shown for a trial not done). */
  why: string;
  epochs: { epoch: number; trainBound: number }[];
  values: unknown[];
}

/** The numbers of every trial of the sweep (what must be bit-identical to an uninterrupted run). */
export function readNumbers(dbFile: string): TrialNumbers[] {
  return withDb(dbFile, ({ sqlite: db }) => {
    const trials = db
      .prepare(
        `select id, status, attempts, error, test_nll, test_bound, test_bounds, train_bound, active_units, active_units_per_layer
           from trials where sweep_id = 'chaos' order by id`,
      )
      .all() as Record<string, unknown>[];
    const epochs = db.prepare('select epoch, train_bound as trainBound from epochs where trial_id = ? order by epoch');
    return trials.map((t) => ({
      id: t.id as string,
      status: t.status as string,
      why: `${t.attempts} attempt(s)${t.error ? `, ${String(t.error).slice(0, 300)}` : ''}`,
      epochs: epochs.all(t.id) as { epoch: number; trainBound: number }[],
      values: [t.test_nll, t.test_bound, t.test_bounds, t.train_bound, t.active_units, t.active_units_per_layer],
    }));
  });
}

function countDone(dbFile: string): { done: number; failed: number } {
  try {
    return withDb(dbFile, ({ sqlite }) => {
      const rows = sqlite.prepare(`select status, count(*) as n from trials where sweep_id = 'chaos' group by status`).all() as {
        status: string;
        n: number;
      }[];
      const n = (s: string) => rows.find((r) => r.status === s)?.n ?? 0;
      return { done: n('done'), failed: n('failed') };
    });
  } catch {
    return { done: 0, failed: 0 }; // not created yet
  }
}

class FaultInjector {
  readonly counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;

  constructor(
    private readonly c: Cluster,
    private readonly rng: Rng,
    private readonly lockMs: number,
    private readonly log: (line: string) => void,
    private readonly kinds: readonly FaultKind[] = FAULT_KINDS,
  ) {}

  private pick<T>(xs: readonly T[]): T {
    return xs[this.rng.nextInt(xs.length)] as T;
  }

  /** Injects one fault and waits until it is over (the cluster is whole again). */
  async inject(): Promise<FaultKind | undefined> {
    const kind = this.pick(this.kinds);
    const c = this.c;
    const host = this.pick(c.workers);
    const outage = Math.round(this.lockMs * (1.5 + this.rng.nextFloat()));
    this.log(
      `fault: ${kind}${['kill-worker', 'kill-trial-process', 'freeze-host', 'partition-host', 'slow-link'].includes(kind) ? ` on ${host.name}` : ''}`,
    );
    switch (kind) {
      case 'kill-worker':
        await host.kill();
        await sleep(500 + this.rng.nextInt(2000));
        host.start();
        break;
      case 'kill-trial-process': {
        const busy = c.workers.map((w) => w.childPids()).filter((pids) => pids.length > 0);
        if (busy.length === 0) return undefined; // no trial process anywhere: not a fault, pick again
        try {
          process.kill(this.pick(this.pick(busy)), 'SIGKILL');
        } catch {
          return undefined; // exited meanwhile
        }
        break;
      }
      case 'kill-collector':
        await c.collector.kill();
        await sleep(500 + this.rng.nextInt(2000));
        c.collector.start();
        break;
      case 'freeze-host':
        host.signalHost('SIGSTOP');
        await sleep(outage);
        host.signalHost('SIGCONT');
        break;
      case 'partition-host':
        host.proxy.partition();
        await sleep(outage);
        host.proxy.heal();
        break;
      case 'slow-link':
        host.proxy.slow(50 + this.rng.nextInt(150));
        await sleep(3000);
        host.proxy.heal();
        break;
      case 'restart-redis':
        await c.restartRedis();
        break;
      case 'client-kill-all':
        await c.killAllClients();
        break;
      case 'checkpoint-write-fails':
        await c.setCheckpointWrites(false);
        await sleep(1000 + this.rng.nextInt(2000));
        await c.setCheckpointWrites(true);
        break;
    }
    this.counts[kind]++;
    return kind;
  }
}

/** Processes of the cluster whose parent died (reparented): orphans that could still write. */
function orphansOf(c: Cluster): number[] {
  const hostGroups = new Set([...c.workers, c.collector].flatMap((h) => h.groups));
  return execFileSync('ps', ['-eo', 'pid=,ppid=,pgid='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter(([pid, ppid, pgid]) => hostGroups.has(pgid as number) && pid !== pgid && ppid === 1)
    .map(([pid]) => pid as number);
}

/** The numbers of `spec` run locally, uninterrupted, by trial id. */
export async function localRunNumbers(spec: string): Promise<Map<string, TrialNumbers>> {
  const ref = tempDir('chaos-ref');
  try {
    const specFile = ref.file('chaos.yaml', spec);
    const out = await runCli(['run', specFile, '--db', `${ref.dir}/ref.db`, '--workers', '2']);
    if (out.code !== 0) throw new Error(`reference run failed: ${out.stderr.slice(-500)}`);
    return new Map(readNumbers(`${ref.dir}/ref.db`).map((r) => [r.id, r]));
  } finally {
    ref.cleanup();
  }
}

/**
 * The trials whose numbers (test NLL, bounds by K, active units, every epoch's bound) differ from
 * those of a local run, and the trials either side lacks.
 */
export function differencesFrom(expected: Map<string, TrialNumbers>, rows: TrialNumbers[]): string[] {
  const differ = rows
    .filter((r) => {
      const e = expected.get(r.id);
      return !e || JSON.stringify([e.values, e.epochs]) !== JSON.stringify([r.values, r.epochs]);
    })
    .map((r) => r.id);
  const seen = new Set(rows.map((r) => r.id));
  return [...differ, ...[...expected.keys()].filter((id) => !seen.has(id)).map((id) => `${id} (missing)`)];
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const lockMs = opts.lockMs ?? 3000;
  const started = Date.now();
  const deadline = started + opts.minutes * 60_000;
  const rng = Rng.fromSeed(opts.seed, 'chaos');
  const spec = chaosSpec(opts.trials, opts.trainSize);
  // A trial silent for 30 s is ended and retried (its epochs take seconds here).
  const c = await Cluster.start({ label: 'chaos', spec, workers: opts.workers, lockMs, stallMs: 30_000 });
  const invariants: Invariant[] = [];
  const check = (name: string, held: boolean, detail: string) => invariants.push({ name, held, detail });
  const injector = new FaultInjector(c, rng, lockMs, log, opts.kinds);
  let faultsTotal = 0;
  try {
    const launched = await c.cli(['launch', c.spec, '--db', c.db]);
    if (launched.code !== 0) throw new Error(`launch failed: ${launched.stderr}`);
    c.collector.start();
    for (const w of c.workers) w.start();
    // Faults until the budget is spent (or the sweep is over), then let it finish.
    while (Date.now() < deadline) {
      const { done, failed } = countDone(c.db);
      if (done + failed >= opts.trials) break;
      if (faultsTotal < opts.faults) {
        await sleep(500 + rng.nextInt(2500));
        if (!(await injector.inject())) continue;
        faultsTotal++;
        log(`  ${faultsTotal}/${opts.faults} faults, ${done}/${opts.trials} trials done`);
      } else {
        await sleep(500);
      }
    }
    const { done, failed } = countDone(c.db);
    if (done + failed < opts.trials) {
      // Stuck: what each connection Redis still has last did, and how long ago (for the diagnosis).
      const admin = c.admin();
      log(`not over at the deadline; Redis clients:\n${String(await admin.client('LIST'))}`);
      admin.disconnect();
    }
    const seconds = (Date.now() - started) / 1000;
    log(`sweep over after ${seconds.toFixed(0)} s: ${done} done, ${failed} failed; checking invariants`);

    // Invariants: the DB.
    const rows = readNumbers(c.db);
    const notDone = rows.filter((r) => r.status !== 'done');
    check(
      'no stuck or failed trial',
      notDone.length === 0,
      notDone.length ? `${notDone.map((r) => `${r.id}:${r.status} (${r.why})`).join(' ')}` : `${rows.length} trials done`,
    );
    check(
      'every trial recorded exactly once',
      rows.length === opts.trials,
      `${rows.length} trial rows for ${opts.trials} trials`,
    );
    const badEpochs = rows.filter((r) => r.epochs.map((e) => e.epoch).join(',') !== '1,2,3');
    check(
      'epochs 1..n present, once each',
      badEpochs.length === 0,
      badEpochs.length ? badEpochs.map((r) => `${r.id}: [${r.epochs.map((e) => e.epoch)}]`).join(' ') : 'all trials 1,2,3',
    );

    // Invariants: Redis (before the workers stop: locks, checkpoints and results all drained).
    // The DB says done as soon as the collector has the result; the worker removes the checkpoint
    // and BullMQ completes the job (and drops its lock) after sending it: give that time to land.
    const redisLeft = async () => {
      const keys = await c.keys();
      const admin = c.admin();
      try {
        return {
          keys: keys.length,
          stray: keys.filter((k) => /:ckpt:|:lock$/.test(k)).length,
          pendingResults: await admin.llen(`${c.prefix}:results:wait`),
          active: await admin.llen(`${c.prefix}:trials:active`),
          failedResults: await admin.zcard(`${c.prefix}:results:failed`),
        };
      } finally {
        admin.disconnect();
      }
    };
    const drained = (r: Awaited<ReturnType<typeof redisLeft>>) =>
      r.stray === 0 && r.pendingResults === 0 && r.active === 0 && r.failedResults === 0;
    let left = await redisLeft();
    const until = Date.now() + 30_000;
    while (!drained(left) && Date.now() < until) {
      await sleep(200);
      left = await redisLeft();
    }
    check(
      'no Redis keys beyond retention',
      drained(left),
      `${left.stray} checkpoint/lock keys, ${left.pendingResults} results waiting, ${left.failedResults} results failed, ${left.active} trial jobs active (${left.keys} keys kept: completed jobs for 7 days, queue metadata, worker registry)`,
    );
    const orphans = orphansOf(c);
    check('no orphan process', orphans.length === 0, orphans.length ? `pids ${orphans.join(' ')}` : 'none');

    // Invariant: bit-identical to an uninterrupted local run of the same spec.
    log('reference: the same sweep run locally, uninterrupted');
    const differ = differencesFrom(await localRunNumbers(spec), rows);
    check(
      'results bit-identical to an uninterrupted local run',
      differ.length === 0,
      differ.length
        ? `differ: ${differ.join(' ')}`
        : `${rows.length} trials: test NLL, bounds by K, active units and every epoch's bound equal`,
    );
    const ok = invariants.every((i) => i.held);
    const logs = c.workers.map((w) => w.log).join('\n');
    const recovered = {
      stalledTrialsEnded: logs.match(/made no progress for \d+ s: ending its process/g)?.length ?? 0,
      commandTimeouts: logs.match(/failed \(attempt \d+[^)]*\): Command timed out/g)?.length ?? 0,
    };
    return { options: opts, faults: injector.counts, faultsTotal, trials: opts.trials, done, seconds, invariants, recovered, ok };
  } finally {
    await c.stop();
  }
}

/** The report as the tables `pnpm chaos` prints. */
export function formatChaosReport(r: ChaosReport): string {
  const lines: string[] = [];
  const o = r.options;
  lines.push(
    `chaos: seed ${o.seed}, ${o.trials} trials, ${o.workers} workers, ${r.faultsTotal} faults, ${r.seconds.toFixed(0)} s`,
    '',
    'fault                     injected',
    '------------------------  --------',
  );
  for (const [k, n] of Object.entries(r.faults)) lines.push(`${k.padEnd(24)}  ${String(n).padStart(8)}`);
  lines.push(
    `${'total'.padEnd(24)}  ${String(r.faultsTotal).padStart(8)}`,
    '',
    'invariant                                            held  detail',
  );
  lines.push(`${'-'.repeat(51)}  ----  ------`);
  for (const i of r.invariants) lines.push(`${i.name.padEnd(51)}  ${i.held ? 'yes ' : 'NO  '}  ${i.detail}`);
  lines.push(
    '',
    `attempts ended by the stall watchdog: ${r.recovered.stalledTrialsEnded}; by a Redis command timeout: ${r.recovered.commandTimeouts}`,
    r.ok ? 'all invariants held' : 'INVARIANTS VIOLATED',
  );
  return `${lines.join('\n')}\n`;
}
