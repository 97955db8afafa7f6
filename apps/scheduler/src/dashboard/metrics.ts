import type { ResultsDb } from '@iwae-sweep/db';
import type { SweepQueues } from '@iwae-sweep/queue';
import { Gauge, Registry } from 'prom-client';
import { sweepEtaSeconds } from '../sweep-eta.ts';

/**
 * Prometheus metrics, computed from the DB (and the queue, when attached) at each scrape: trials
 * by status, epochs per second over the last minute, queue depth, workers, ETAs.
 */
export function metricsRegistry(db: ResultsDb, queues: SweepQueues | undefined): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'iwae_trials',
    help: 'Trials by sweep and status',
    labelNames: ['sweep', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of db.sweepSummaries()) {
        for (const status of ['queued', 'running', 'done', 'failed', 'cancelled', 'stopped'] as const)
          this.set({ sweep: s.id, status }, s[status]);
      }
    },
  });
  new Gauge({
    name: 'iwae_sweep_eta_seconds',
    help: 'Estimated seconds until a sweep finishes',
    labelNames: ['sweep'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of db.sweepSummaries()) {
        const eta = sweepEtaSeconds(s);
        if (eta !== undefined) this.set({ sweep: s.id }, eta);
      }
    },
  });
  new Gauge({
    name: 'iwae_epochs_per_second',
    help: 'Training epochs finished per second, over the last minute (all sweeps)',
    registers: [registry],
    collect() {
      this.set(db.views.epochsRecordedSince(Date.now() - 60_000) / 60);
    },
  });
  if (queues) {
    new Gauge({
      name: 'iwae_queue_jobs',
      help: 'Trial jobs in Redis by state',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const [state, n] of Object.entries(await queues.counts())) this.set({ state }, n);
      },
    });
    new Gauge({
      name: 'iwae_workers',
      help: 'Worker connections on the trials queue',
      registers: [registry],
      async collect() {
        this.set((await queues.workers()).length);
      },
    });
  }
  return registry;
}
