// @ts-check
// One trial: its record, error, epochs and config, redrawn live from the trial's event stream.
import { api } from './api.js';
import { essTooLow, JACKKNIFE_LABEL, TRAIN_ELBO_LABEL, trainLkLabel, validationLabel } from './bound-labels.js';
import { byId, num, statusBadge, time, trialLabel } from './cells.js';
import { escapeHtml as esc } from './format.js';

/** @typedef {import('./api-types.js').TrialDetail} TrialDetail */

/**
 * Gradient SNR as "mean / median" over a part's parameters.
 * @param {number | null} mean
 * @param {number | null} median
 */
const snrText = (mean, median) => `${num(mean, 3)} / ${num(median, 3)}`;

/**
 * @param {HTMLElement} app
 * @param {TrialDetail} detail
 */
function draw(app, { trial: t, config, epochs: eps, reusedFrom }) {
  // Names of the epoch figures (a trial whose config is missing still shows its numbers).
  const cfg = config ?? { k: t.k, validationK: 100, validationSize: 0 };
  // Epochs that measured the gradient SNR (gradSnrEvery): two more columns.
  const epochSnr = eps.some((e) => e.snrEncoderMean !== null || e.snrDecoderMean !== null);
  app.innerHTML = `<h1>Trial <code>${esc(t.id)}</code> ${statusBadge(t.status)}</h1>
<p><a href="/sweeps/${encodeURIComponent(t.sweepId)}">sweep ${esc(t.sweepId)}</a></p>
${
  reusedFrom
    ? `<p id="reused-from">reused from <a href="/trials/${encodeURIComponent(reusedFrom.trial)}">${esc(reusedFrom.sweep ?? '?')}/${esc(reusedFrom.trial)}</a> <span class="muted">— not trained in this sweep: a finished trial with the same config, seed and code computed these numbers (timings, host and backend are its own)</span></p>`
    : ''
}
<dl class="kv">${[
    ['model', trialLabel(t)],
    ['phase', t.phase],
    ['epochs', `${t.epochsDone}/${t.epochsTotal}`],
    ['test NLL', t.testNll === null ? '–' : `${num(t.testNll)} (−L_${t.evalK})`],
    [JACKKNIFE_LABEL, num(t.testJackknife)],
    [
      'effective sample size',
      t.testEssMedian === null || t.testEssMedian === undefined
        ? '–'
        : `median ${num(t.testEssMedian, 1)}, mean ${num(t.testEssMean, 1)} of ${t.evalK}${t.evalK !== null && essTooLow(t.testEssMedian, t.evalK) ? ' — ESS ≪ K: no estimate beyond the bound is reliable' : ''}`,
    ],
    [TRAIN_ELBO_LABEL, num(eps.at(-1)?.trainElbo)],
    [trainLkLabel(cfg), num(eps.at(-1)?.trainIwae)],
    ...(cfg.validationSize > 0 ? [[validationLabel(cfg.validationK), num(eps.at(-1)?.validationBound)]] : []),
    ['training objective', num(t.trainBound ?? t.lastTrainBound)],
    ...(t.snrEncoderMean === null && t.snrDecoderMean === null
      ? []
      : [
          [
            'gradient SNR after training (mean / median)',
            `encoder ${snrText(t.snrEncoderMean, t.snrEncoderMedian)}, decoder ${snrText(t.snrDecoderMean, t.snrDecoderMedian)}`,
          ],
        ]),
    ['active units', t.activeUnitsPerLayer ? JSON.parse(t.activeUnitsPerLayer).join('+') : '–'],
    ['host', t.host],
    ['worker', t.workerId],
    ['backend', t.backend],
    ['attempts', t.attempts],
    ['started', time(t.startedAt)],
    ['finished', time(t.finishedAt)],
    ['code (git)', t.gitSha],
  ]
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v ?? '–')}</dd>`)
    .join('')}</dl>
${t.error ? `<h2>Error</h2><pre id="error">${esc(t.errorStack || t.error)}</pre>` : ''}
<h2>Bounds per epoch</h2><div class="chart" id="chart-trial" data-points="${eps.length}"></div>
<table id="epochs"><thead><tr><th class="num">epoch</th><th class="num">${esc(TRAIN_ELBO_LABEL)}</th><th class="num">${esc(trainLkLabel(cfg))}</th><th class="num">${esc(cfg.validationSize > 0 ? validationLabel(cfg.validationK) : 'validation')}</th>${epochSnr ? '<th class="num">encoder SNR mean / median</th><th class="num">decoder SNR mean / median</th>' : ''}<th class="num">seconds</th><th class="num">examples/s</th><th class="num">learning rate</th></tr></thead><tbody>
${eps.map((e) => `<tr><td class="num">${esc(e.epoch)}</td><td class="num">${num(e.trainElbo, 3)}</td><td class="num">${num(e.trainIwae, 3)}</td><td class="num">${num(e.validationBound, 3)}</td>${epochSnr ? `<td class="num snr">${snrText(e.snrEncoderMean, e.snrEncoderMedian)}</td><td class="num snr">${snrText(e.snrDecoderMean, e.snrDecoderMedian)}</td>` : ''}<td class="num">${num(e.seconds, 1)}</td><td class="num">${num(e.examplesPerSecond, 0)}</td><td class="num">${esc(e.learningRate?.toPrecision?.(3) ?? '–')}</td></tr>`).join('')}
</tbody></table>
<h2>Config</h2><pre>${esc(JSON.stringify(config, null, 2))}</pre>`;
  if (eps.length) {
    /** @type {['trainElbo' | 'trainIwae' | 'validationBound' | 'trainBound', string][]} */
    const figures = [
      /** @type {['trainElbo', string]} */ (['trainElbo', TRAIN_ELBO_LABEL]),
      /** @type {['trainIwae', string]} */ (['trainIwae', trainLkLabel(cfg)]),
      /** @type {['validationBound', string]} */ (['validationBound', validationLabel(cfg.validationK)]),
    ].filter(([key]) => eps.some((e) => e[key] !== null && e[key] !== undefined));
    IwaeCharts.figuresPerEpoch(byId('chart-trial'), eps, figures.length ? figures : [['trainBound', 'training objective']]);
  }
  document.body.dataset.ready = 'true';
}

/**
 * @param {HTMLElement} app
 * @param {string} id
 */
export async function trialView(app, id) {
  const url = `/api/trials/${encodeURIComponent(id)}`;
  /** @type {TrialDetail} */
  const detail = await api(url);
  draw(app, detail);
  // Any change to the trial or its epochs: fetch the whole record again (it is small).
  const source = new EventSource(`${url}/events?since=${Date.now()}`);
  source.addEventListener('trial', () => {
    void api(url).then((/** @type {TrialDetail} */ d) => draw(app, d));
  });
}
