// @ts-check
// The estimator comparison, one HTML for the report (rendered on the server) and the dashboard's
// sweep page (in the browser): NLL and active units by estimator × K, and the gradient SNR
// against K with fitted log-log slopes. The charts themselves are snr-chart.js (uPlot). Tables
// sit in .table-wrap: on the dashboard a wide one scrolls inside the page.
import { escapeHtml as esc, num } from './format.js';

/** @typedef {import('../report/estimator-data.ts').EstimatorData} EstimatorData */
/** @typedef {import('../report/estimator-data.ts').EstimatorRow} EstimatorRow */
/** @typedef {import('../report/log-log-fit.ts').LogLogFit} LogLogFit */

/**
 * "12.34 ± 0.56", or the mean alone without a spread (one seed).
 * @param {number | null} mean
 * @param {number | null} sd
 * @param {number} [digits]
 */
const pm = (mean, sd, digits = 2) => `${num(mean, digits)}${sd === null ? '' : ` ± ${num(sd, digits)}`}`;

/**
 * A fitted slope with its standard error: "−0.48 ± 0.03"; "+0.50 (2 points)" without one; "–" unfitted.
 * @param {LogLogFit | null} fit
 */
export function slopeText(fit) {
  if (!fit) return '–';
  const signed = `${fit.slope < 0 ? '−' : '+'}${Math.abs(fit.slope).toFixed(2)}`;
  return fit.slopeSe === null ? `${signed} (2 points)` : `${signed} ± ${fit.slopeSe.toFixed(2)}`;
}

/**
 * SNR cell: mean over parameters / median over parameters, averaged over the seeds that measured it.
 * @param {number | null} mean
 * @param {number | null} median
 */
const snrCell = (mean, median) => (mean === null && median === null ? '–' : `${num(mean, 3)} / ${num(median, 3)}`);

/** @param {EstimatorRow} r */
const estimatorCell = (r) =>
  `${esc(r.estimator)}${r.objective === 'vae' && r.k === 1 ? ' <span class="muted">(= iwae at K=1)</span>' : ''}`;

/**
 * NLL and active units by estimator × K (mean ± sd over seeds, n seeds), with the SNR after training.
 * @param {EstimatorData} data
 */
export function estimatorTableHtml(data) {
  const body = data.rows
    .map(
      (r) =>
        `<tr data-group="${esc(r.groupId)}" data-estimator="${esc(r.estimator)}" data-k="${esc(r.k)}"><td>${estimatorCell(r)}</td><td>${esc(r.model)}</td>` +
        `<td class="num samples">${esc(r.samples)}</td><td class="num">${esc(r.samplesPerPoint)}</td>` +
        `<td class="num nll">${pm(r.nllMean, r.nllSd)}</td><td class="num seeds">${esc(r.trials)}</td>` +
        `<td class="num units">${pm(r.unitsMean, r.unitsSd, 1)}${r.unitsPerLayerMean.length > 1 ? ` <span class="muted">(${r.unitsPerLayerMean.map((u) => num(u, 1)).join('+')})</span>` : ''}</td>` +
        `<td class="num snr-encoder">${snrCell(r.snr.encoderMean, r.snr.encoderMedian)}</td><td class="num snr-decoder">${snrCell(r.snr.decoderMean, r.snr.decoderMedian)}</td></tr>`,
    )
    .join('\n');
  return `<div class="table-wrap"><table id="estimator-table"><thead><tr><th>estimator</th><th>model</th><th>K</th><th>samples per point</th><th>NLL (−L<sub>evalK</sub>) mean ± sd</th><th>seeds (n)</th><th>active units mean ± sd</th><th>encoder SNR mean / median</th><th>decoder SNR mean / median</th></tr></thead>
<tbody>${body || '<tr><td colspan="9">no finished trials yet</td></tr>'}</tbody></table></div>`;
}

/**
 * Fitted slopes of ln SNR against ln K per estimator, encoder and decoder, each ± its standard error.
 * @param {EstimatorData} data
 */
export function snrSlopeTableHtml(data) {
  const body = data.snr
    .map(
      (s) =>
        `<tr data-series="${esc(s.series)}"><td>${esc(s.series)}</td><td class="num">${esc(s.encoder.points.map((p) => p.k).join(', ') || '–')}</td>` +
        `<td class="num slope-encoder">${esc(slopeText(s.encoder.fit))}</td><td class="num slope-encoder-median">${esc(slopeText(s.encoder.fitMedian))}</td>` +
        `<td class="num slope-decoder">${esc(slopeText(s.decoder.fit))}</td><td class="num slope-decoder-median">${esc(slopeText(s.decoder.fitMedian))}</td>` +
        `<td class="num">${esc(Math.max(...[s.encoder, s.decoder].map((p) => p.points.reduce((n, q) => n + q.trials, 0))))}</td></tr>`,
    )
    .join('\n');
  return `<div class="table-wrap"><table id="snr-slopes"><thead><tr><th>estimator</th><th>K</th><th>encoder slope (SNR mean)</th><th>encoder slope (SNR median)</th><th>decoder slope (SNR mean)</th><th>decoder slope (SNR median)</th><th>trials</th></tr></thead>
<tbody>${body}</tbody></table></div>`;
}

/**
 * The whole section: the table, and when trials measured it (gradSnr), the SNR charts' places and
 * the slopes. The charts are drawn into #chart-snr-encoder and #chart-snr-decoder by snr-chart.js.
 * @param {EstimatorData} data
 */
export function estimatorSectionHtml(data) {
  const snr = data.snr.length
    ? `<h3>Gradient SNR against K</h3>
<p class="muted">After training, R gradient draws on one fixed batch (trial field <code>gradSnr</code>): per parameter |E g|/sd g, then the mean (plotted) and the median over the encoder's and the decoder's parameters. Points: the geometric mean over seeds at each K; dashed: the least-squares line of ln SNR on ln K over every trial, its slope ± standard error in the legend and below. Rainforth et al. (2018): about −½ for the IWAE encoder, +½ for its decoder; DReG's encoder does not fall (Tucker et al. 2019). For miwae/piwae K is the group size (M groups of K).</p>
<div class="chart" id="chart-snr-encoder"></div><div class="chart" id="chart-snr-decoder"></div>
${snrSlopeTableHtml(data)}`
    : '<p class="muted">No gradient SNR recorded: set <code>gradSnr</code> (CLI <code>--grad-snr R</code>) to compare the estimators’ gradients.</p>';
  return `<h2>Estimators</h2>
<p class="muted">Test NLL −L<sub>evalK</sub> (every objective evaluated the same way) and active units, mean ± sd over the seeds (n) of each config group; miwae/piwae draw M groups of K samples, M·K per point.</p>
${estimatorTableHtml(data)}
${snr}`;
}
