// @ts-check
// The dashboard's pages, rendered in the browser from the JSON API and kept live with
// server-sent events. Plain JavaScript ES modules, no build step, typed by JSDoc against the
// server's own types (src/web/tsconfig.json); charts come from charts.js (uPlot); escaping and
// durations from format.js, the same code the server uses. The server names the page in
// <body data-page>; each view is its own module.
import { byId } from './cells.js';
import { escapeHtml as esc } from './format.js';
import { sweepView } from './sweep-view.js';
import { sweepsView } from './sweeps-view.js';
import { trialView } from './trial-view.js';

const app = byId('app');
const id = decodeURIComponent(location.pathname.split('/')[2] ?? '');
/** @type {Map<string, () => Promise<void>>} */
const views = new Map([
  ['sweeps', () => sweepsView(app)],
  ['sweep', () => sweepView(app, id)],
  ['trial', () => trialView(app, id)],
]);
views
  .get(document.body.dataset.page ?? '')?.()
  .catch((err) => {
    app.innerHTML = `<p class="message">error: ${esc(err instanceof Error ? err.message : err)}</p>`;
  });
