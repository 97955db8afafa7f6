import type { ResultsDb, SweepSummary } from '@iwae-sweep/db';
import { buildReportData } from '../report/report-data.ts';
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

export function trialDetail(db: ResultsDb, trialId: string) {
  const trial = db.getTrial(trialId);
  if (!trial) return undefined;
  return { trial, config: db.trialConfig(trial.id) ?? null, epochs: db.epochsOf(trial.id) };
}
