// The JSON the dashboard's API sends, as the server's own types: the browser code is checked
// against what the server really returns (src/web/tsconfig.json, in `pnpm typecheck`).
import type { sweepDetail, trialDetail } from '../dashboard/api-payloads.ts';
import type { newEpochs, sweepView, trialPage } from '../dashboard/dashboard-data.ts';

export type SweepView = ReturnType<typeof sweepView>;
export type SweepDetail = ReturnType<typeof sweepDetail>;
export type TrialDetail = NonNullable<ReturnType<typeof trialDetail>>;
export type TrialTablePage = ReturnType<typeof trialPage>;
export type TableRow = TrialTablePage['rows'][number];
export type LiveEpoch = ReturnType<typeof newEpochs>[number];
export type PaperRow = SweepDetail['paperTable'][number];
export type BoundCurve = SweepDetail['boundCurves'][number];
export type LearningCurve = SweepDetail['learningCurves'][number];
/** A worker as GET /api/workers sends it (distributed mode). */
export type { WorkerShown as WorkerView } from '../worker-backends.ts';
