// Early stopping in the browser: the server's rung payload types, and the rung chart's global
// (rung-chart.js, a classic script loaded after charts.js).
import type uPlotClass from 'uplot';
import type { rungsPayload } from '../dashboard/rung-payload.ts';
import type { RungData } from '../report/rung-data.ts';

export type { RungData };
/** What GET /api/sweeps/:id/rungs sends. */
export type RungPayload = ReturnType<typeof rungsPayload>;

declare global {
  interface IwaeRungChartApi {
    rungChart(el: HTMLElement, rungs: RungData): uPlotClass;
    /** The grey of stopped trials. */
    STOPPED: string;
  }
  const IwaeRungChart: IwaeRungChartApi;
  interface Window {
    IwaeRungChart: IwaeRungChartApi;
  }
}
