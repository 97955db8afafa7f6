// @ts-check
// The sweep page's finished-trial views: test NLL and bound against K, and the paper-style table.

import { essTooLow, JACKKNIFE_LABEL } from './bound-labels.js';
import { byId, num } from './cells.js';
import { escapeHtml as esc } from './format.js';

/** @typedef {import('./api-types.js').SweepDetail} SweepDetail */

/** @param {SweepDetail['paperTable']} paperTable */
const paperTableHtml = (paperTable) =>
  `<table><thead><tr><th>layers</th><th>latent</th><th>K</th><th>objective</th><th class="num">NLL (−L<sub>evalK</sub>)</th><th class="num">± sd</th><th class="num">${esc(JACKKNIFE_LABEL)}</th><th class="num">ESS median</th><th class="num">active units</th><th class="num">seeds</th></tr></thead><tbody>${paperTable
    .map(
      (r) =>
        `<tr><td>${esc(r.layers)}</td><td>${esc(r.latent)}</td><td>${esc(r.m === null ? r.k : r.samples)}</td><td>${esc(r.objective)}</td><td class="num">${num(r.nllMean)}</td><td class="num">${num(r.nllSd)}</td><td class="num">${num(r.jackknifeMean)}</td><td class="num${essTooLow(r.essMedianMean, r.evalK) ? ' ess-low" title="ESS ≪ K: no estimate beyond the bound is reliable' : ''}">${num(r.essMedianMean, 1)}</td><td class="num">${r.unitsPerLayerMean.map((u) => num(u, 1)).join('+')}</td><td class="num">${esc(r.trials)}</td></tr>`,
    )
    .join('')}</tbody></table>`;

/** @param {SweepDetail} data */
export function drawSweepCharts(data) {
  if (data.paperTable.length) IwaeCharts.nllVsK(byId('chart-nll'), data.paperTable);
  else byId('chart-nll').innerHTML = '<p class="muted">no finished trials yet</p>';
  if (data.boundCurves.length) IwaeCharts.boundVsK(byId('chart-bound'), data.boundCurves);
  else byId('chart-bound').remove();
  byId('paper').innerHTML = data.paperTable.length
    ? paperTableHtml(data.paperTable)
    : '<p class="muted">no finished trials yet</p>';
}
