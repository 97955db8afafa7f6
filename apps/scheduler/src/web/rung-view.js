// @ts-check
// The sweep page's early-stopping view (sweeps with a `stopping:` block): the rule, the rungs plot,
// per rung the trials recorded, promoted and stopped and the cutoff now, and the stopped trials
// with their rung, bound and reason. Fetched again whenever the sweep's trials change.
import { api } from './api.js';
import { byId } from './cells.js';
import { ruleHtml, rungTableHtml, stoppedTableHtml } from './rung-tables.js';

/** @typedef {import('./rung-types.js').RungPayload} RungPayload */

/** Decisions are written just after the epoch that changes the trial row: look once more after this. */
const SETTLE_MS = 1500;

/**
 * @param {{ el: HTMLElement, sweepId: string }} opts
 */
export function rungView({ el, sweepId }) {
  const path = `/api/sweeps/${encodeURIComponent(sweepId)}/rungs`;
  let shown = '';
  let loading = false;
  let again = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let settle;

  async function load() {
    /** @type {RungPayload} */
    const { rungs } = await api(path);
    if (!rungs) {
      el.hidden = true;
      return;
    }
    // Redraw only what changed: a redraw loses the chart's cursor.
    const text = JSON.stringify(rungs);
    if (text === shown) return;
    shown = text;
    el.hidden = false;
    el.innerHTML = `<h2>Early stopping: rungs</h2>
${ruleHtml(rungs)}
<div class="chart" id="chart-rungs"></div>
${rungTableHtml(rungs)}
<h3>Stopped trials</h3>
${stoppedTableHtml(rungs, (t) => `/trials/${encodeURIComponent(t)}`)}`;
    if (rungs.curves.some((c) => c.epochs.length > 0)) IwaeRungChart.rungChart(byId('chart-rungs'), rungs);
    else byId('chart-rungs').innerHTML = '<p class="muted">no validation bound recorded yet</p>';
    el.dataset.records = String(rungs.rungs.reduce((a, g) => a + g.recorded, 0));
    el.dataset.stopped = String(rungs.stopped.length);
  }

  /** One fetch at a time; a change seen meanwhile fetches once more after it. */
  async function refresh() {
    if (loading) {
      again = true;
      return;
    }
    loading = true;
    try {
      do {
        again = false;
        await load();
      } while (again);
    } catch {
      // The next change tries again; the page keeps what it showed.
    } finally {
      loading = false;
    }
  }

  return {
    load,
    /** The sweep's trials changed: fetch now, and once more when the rule's decision has landed. */
    changed() {
      void refresh();
      clearTimeout(settle);
      settle = setTimeout(() => void refresh(), SETTLE_MS);
    },
  };
}
