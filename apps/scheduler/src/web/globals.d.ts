// The two classic scripts the pages load before the modules: uPlot and charts.js.
import type uPlotClass from 'uplot';
import type { BoundCurve, LearningCurve, PaperRow } from './api-types.js';

/** A model as the chart legends name it. */
export interface ModelKey {
  objective: string;
  layers: number;
  k: number;
  /** "K=50", or "M=5 × K=10" for miwae/piwae (the server's samplesLabel). */
  samples?: string;
  latent: number;
  distinct?: Record<string, unknown> | null | undefined;
}
/** The per-epoch figures a learning curve can show. */
export type CurveKey = 'trainBound' | 'trainElbo' | 'trainIwae' | 'validationBound';
export interface Point {
  x: number;
  y: number | null;
}

declare global {
  const uPlot: typeof uPlotClass;
  interface IwaeChartsApi {
    align(seriesPoints: Point[][]): uPlotClass.AlignedData;
    nllVsK(el: HTMLElement, paperTable: PaperRow[]): uPlotClass;
    boundVsK(el: HTMLElement, curves: BoundCurve[]): uPlotClass;
    drawn: Map<string, uPlotClass>;
    learningCurves(el: HTMLElement, curves: LearningCurve[], opts?: { key?: CurveKey; title?: string }): uPlotClass;
    figuresPerEpoch<K extends string>(
      el: HTMLElement,
      epochs: ({ epoch: number } & Partial<Record<K, number | null>>)[],
      figures: [K, string][],
    ): uPlotClass;
    modelName(m: ModelKey): string;
    colorOf(name: string): string;
    INTEGER_STEPS: number[];
  }
  const IwaeCharts: IwaeChartsApi;
  interface Window {
    IwaeCharts: IwaeChartsApi;
  }
}
