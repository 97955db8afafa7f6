// snr-chart.js, a classic script loaded after charts.js: its global.
import type uPlotClass from 'uplot';
import type { SnrSeries } from '../report/estimator-data.ts';

declare global {
  interface IwaeSnrChartApi {
    snrVsK(el: HTMLElement, series: SnrSeries[], part: 'encoder' | 'decoder'): uPlotClass;
  }
  const IwaeSnrChart: IwaeSnrChartApi;
  interface Window {
    IwaeSnrChart: IwaeSnrChartApi;
  }
}
