import type { ResultsDb } from '@iwae-sweep/db';
import type { WorkerView } from '@iwae-sweep/queue';

/** A worker as `status` and the dashboard show it: its backend as asked for and as its trials ran. */
export type WorkerShown = WorkerView & {
  /** What its last trial's backend resolved to (trials.backend); null before one has set it up. */
  resolvedBackend: string | null;
  /** "cpu", or "auto → cpu" where the request differs from what ran; the request until one ran. */
  backendShown: string;
};

/**
 * A worker's heartbeat says the backend it was started with (often `auto`); what its trials ran
 * on is in their records, the one place that knows it.
 */
export function withResolvedBackends(db: ResultsDb, workers: readonly WorkerView[]): WorkerShown[] {
  const resolved = db.workerBackends(workers.map((w) => w.id));
  return workers.map((w) => {
    const r = resolved.get(w.id) ?? null;
    return { ...w, resolvedBackend: r, backendShown: r === null || r === w.backend ? w.backend : `${w.backend} → ${r}` };
  });
}
