import { rungCutoff, rungEpochs, type Stopping, stoppingOfSpecJson } from '@iwae-sweep/core';
import type { ResultsDb, TrialStatus, TrialSummary } from '@iwae-sweep/db';
import { trialLabel } from '../trial-label.ts';
import { type ModelKey, modelKeys } from './model-keys.ts';

/** One rung as it stands: what was recorded there, what the rule decided, and what it asks now. */
export interface RungSummary {
  /** 0-based rung (ASHA), or the epoch's index from minEpochs (median rule). */
  rung: number;
  epoch: number;
  /** Trials whose validation bound was recorded at this rung (each judged once, on arrival). */
  recorded: number;
  /** Judged there and continued (ASHA: promoted to the next rung). */
  promoted: number;
  stopped: number;
  /** The bound a trial reaching the rung now must attain to continue; null: any continues. */
  cutoff: number | null;
  best: number;
}

/** A trial the rule stopped, where and why, and what became of it since. */
export interface StoppedTrial {
  trial: string;
  label: string;
  rung: number;
  epoch: number;
  metric: number;
  reason: string;
  status: TrialStatus;
  /** Its state in words: stopped, stopping (decided, not yet ended), or resumed and how it is now. */
  now: string;
}

/**
 * What a stopped trial is doing now. The decision is recorded when the trial reaches the rung;
 * the trial records its stop (stop_epoch) only when its process ends there, a moment later. A
 * stop recorded and a trial not stopped means it was resumed since (stop_epoch stays).
 */
export function stoppedTrialNow(status: TrialStatus, stopEpoch: number | null): string {
  if (status === 'stopped') return 'stopped';
  if (stopEpoch === null) return status === 'running' || status === 'queued' ? 'stopping' : status;
  return `resumed: ${status}`;
}

/** One trial's validation bound per epoch, for the rungs plot. */
export interface RungCurve {
  trial: string;
  label: string;
  /** The trial's config group: its colour is the group's in every other chart. */
  model: ModelKey;
  seed: number;
  status: TrialStatus;
  epochs: number[];
  validationBound: number[];
  /** Set when the rule stopped it: where and why (greyed in the plot, the reason on hover). */
  stop: { rung: number; epoch: number; reason: string } | null;
}

export interface RungData {
  stopping: Stopping;
  /** The rule in words, with its rungs for the sweep's longest trial. */
  rule: string;
  /** Rung epochs of the sweep's longest trial (the plot's marks). */
  rungEpochs: number[];
  rungs: RungSummary[];
  stopped: StoppedTrial[];
  curves: RungCurve[];
  /** The plot shows at most MAX_RUNG_CURVES trials, those that trained the most epochs. */
  curvesTotal: number;
}

/** A plot of more lines than this is unreadable; those that went furthest are the interesting ones. */
export const MAX_RUNG_CURVES = 60;

function ruleText(stopping: Stopping, epochs: number[], longest: number): string {
  const at = `${epochs.length ? epochs.join(', ') : 'none'} (of ${longest})`;
  return stopping.method === 'asha'
    ? `ASHA, η = ${stopping.reductionFactor}: rungs at epochs ${at}; at each rung the top 1/${stopping.reductionFactor} of the trials recorded there so far continue`
    : `median rule from epoch ${stopping.minEpochs}: judged at epochs ${at}; a trial below the median of the others at the same epoch stops, once ${stopping.minTrials} others have reached it`;
}

/**
 * The early-stopping view of a sweep: its rungs, the trials stopped and why, and the validation
 * bound per epoch of the trials that went furthest. Null for a sweep without a stopping rule.
 */
export function buildRungData(db: ResultsDb, sweepId: string): RungData | null {
  const sweep = db.getSweep(sweepId);
  const stopping = sweep ? stoppingOfSpecJson(sweep.specJson) : undefined;
  if (!stopping) return null;
  const { keyOf } = modelKeys(db, sweepId);
  const total = db.views.sweepSpan(sweepId);
  const longest = total.longestEpochs;
  const epochs = rungEpochs(stopping, longest);

  const trialsById = new Map<string, TrialSummary>();
  const keep = (ts: TrialSummary[]) => {
    for (const t of ts) trialsById.set(t.id, t);
  };
  const labelOf = (t: TrialSummary | undefined, id: string) => {
    if (!t) return id;
    const distinct = Object.entries(keyOf(t.groupId ?? '').distinct)
      .map(([f, v]) => ` ${f}=${Array.isArray(v) ? v.join('+') : v}`)
      .join('');
    return `${trialLabel(t)}${distinct}`;
  };

  // Per rung: the records in arrival order (the order the rule judged them in).
  const records = db.rungs.rungsOfSweep(sweepId);
  const byEpoch = new Map<number, typeof records>();
  for (const r of records) {
    if (!byEpoch.has(r.epoch)) byEpoch.set(r.epoch, []);
    byEpoch.get(r.epoch)?.push(r);
  }
  const rungs: RungSummary[] = [...byEpoch].map(([epoch, rs]) => {
    const metrics = rs.map((r) => r.metric);
    return {
      rung: rs[0]?.rung ?? 0,
      epoch,
      recorded: rs.length,
      promoted: rs.filter((r) => !r.stop).length,
      stopped: rs.filter((r) => r.stop).length,
      cutoff: rungCutoff(stopping, metrics),
      best: Math.max(...metrics),
    };
  });

  const stops = records.filter((r) => r.stop);
  // The trials the plot shows: those that went furthest, and every stopped one among the others
  // only while room is left (stopped trials are most of a large ASHA sweep).
  keep(db.views.furthestTrials(sweepId, MAX_RUNG_CURVES));
  const shown = [...trialsById.keys()];
  keep(
    db.views.trialSummaries(
      sweepId,
      stops.map((r) => r.trialId).filter((id) => !trialsById.has(id)),
    ),
  );
  const stopped: StoppedTrial[] = stops.map((r) => {
    const t = trialsById.get(r.trialId);
    return {
      trial: r.trialId,
      label: labelOf(t, r.trialId),
      rung: r.rung,
      epoch: r.epoch,
      metric: r.metric,
      reason: r.reason,
      status: t?.status ?? 'stopped',
      now: t ? stoppedTrialNow(t.status, t.stopEpoch) : 'stopped',
    };
  });
  const stopOf = new Map(stopped.map((s) => [s.trial, { rung: s.rung, epoch: s.epoch, reason: s.reason }]));

  const points = new Map<string, { epochs: number[]; validationBound: number[] }>(
    shown.map((id) => [id, { epochs: [], validationBound: [] }]),
  );
  for (const r of db.views.validationCurves(shown)) {
    const p = points.get(r.trialId);
    p?.epochs.push(r.epoch);
    p?.validationBound.push(r.validationBound);
  }
  const curves: RungCurve[] = shown.flatMap((id) => {
    const t = trialsById.get(id);
    const p = points.get(id);
    if (!t || !p) return [];
    return [
      {
        trial: id,
        label: labelOf(t, id),
        model: keyOf(t.groupId ?? ''),
        seed: t.seed,
        status: t.status,
        ...p,
        stop: stopOf.get(id) ?? null,
      },
    ];
  });

  return {
    stopping,
    rule: ruleText(stopping, epochs, longest),
    rungEpochs: epochs,
    rungs,
    stopped,
    curves,
    curvesTotal: total.trials,
  };
}
