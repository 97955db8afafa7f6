import type { ResultsDb, SweepSummary } from '@iwae-sweep/db';
import { buildReportData } from '../report/report-data.ts';
import { deadRun, withShownStatus } from '../shown-status.ts';
import { sweepView } from './dashboard-data.ts';

/**
 * The JSON of the sweep and trial pages. Built here, in one place, so that the browser code's
 * types (web/api-types.d.ts) are these functions' return types and cannot drift from them.
 */
export function sweepDetail(db: ResultsDb, s: SweepSummary, queues: boolean) {
  const report = buildReportData(db, s.id);
  return {
    sweep: { ...sweepView(s, db.file), spec: report.sweep.spec },
    paperTable: report.paperTable,
    // The trial table's extra columns: the config fields this sweep varies (learningRate…).
    configColumns: report.varyingFields,
    boundCurves: report.boundCurves,
    learningCurves: report.learningCurves,
    estimators: report.estimators,
    totals: report.totals,
    queues,
  };
}

/**
 * A trial's page: its row (status as shown: `interrupted` when its local run died), config,
 * epochs, and the original it was copied from (`--reuse`).
 */
export function trialDetail(db: ResultsDb, trialId: string) {
  const row = db.getTrial(trialId);
  if (!row) return undefined;
  const [trial] = withShownStatus([row], row.status === 'running' && deadRun(db, row.sweepId));
  const original = row.reusedFrom ? db.getTrial(row.reusedFrom) : undefined;
  return {
    trial: trial ?? row,
    config: db.trialConfig(row.id) ?? null,
    epochs: db.epochsOf(row.id),
    reusedFrom: row.reusedFrom ? { sweep: original?.sweepId ?? null, trial: row.reusedFrom } : null,
  };
}
