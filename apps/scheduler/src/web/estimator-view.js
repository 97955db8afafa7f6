// @ts-check
// The sweep page's estimator comparison (shown when the sweep compares objectives): the table
// and, when trials measured it, the gradient SNR charts and slopes.
import { byId } from './cells.js';
import { estimatorSectionHtml } from './estimator-html.js';

/** @typedef {import('./api-types.js').SweepDetail} SweepDetail */

/** @param {SweepDetail} data */
export function drawEstimators(data) {
  const el = byId('estimators');
  const e = data.estimators;
  if (!e.shown && e.snr.length === 0) {
    el.remove();
    return;
  }
  el.innerHTML = estimatorSectionHtml(e);
  if (e.snr.length) {
    IwaeSnrChart.snrVsK(byId('chart-snr-encoder'), e.snr, 'encoder');
    IwaeSnrChart.snrVsK(byId('chart-snr-decoder'), e.snr, 'decoder');
  }
}
