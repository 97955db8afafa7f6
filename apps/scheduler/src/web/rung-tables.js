// @ts-check
// The rung tables of an early-stopped sweep, as HTML: the report renders them on the server, the
// dashboard in the browser (it imports this file as a module), from the same data (rung-data.ts).
// Every value is escaped. No DOM here: the server loads this file too.
import { escapeHtml as esc } from './format.js';

/** @typedef {import('./rung-types.js').RungData} RungData */

/** @param {number | null | undefined} v */
const nats = (v) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(2));

/**
 * Per rung: trials recorded, continued (promoted) and stopped, and the cutoff a trial reaching it
 * now must attain.
 * @param {RungData} r
 */
export function rungTableHtml(r) {
  const rows = r.rungs
    .map(
      (g) =>
        `<tr data-epoch="${esc(g.epoch)}"><td class="num">${esc(g.rung + 1)}</td><td class="num">${esc(g.epoch)}</td>` +
        `<td class="num recorded">${esc(g.recorded)}</td><td class="num promoted">${esc(g.promoted)}</td>` +
        `<td class="num stopped">${esc(g.stopped)}</td><td class="num best">${nats(g.best)}</td>` +
        `<td class="num cutoff">${g.cutoff === null ? '<span class="muted" title="every trial reaching the rung now continues">none yet</span>' : `≥ ${nats(g.cutoff)}`}</td></tr>`,
    )
    .join('');
  return `<table id="rung-table"><thead><tr><th class="num">rung</th><th class="num">epoch</th><th class="num">recorded</th><th class="num">promoted</th><th class="num">stopped</th><th class="num">best</th><th class="num">cutoff now</th></tr></thead><tbody>${
    rows || '<tr><td colspan="7" class="muted">no trial has reached a rung yet</td></tr>'
  }</tbody></table>`;
}

/**
 * The trials the rule stopped: where, on what bound, and the rule's words.
 * @param {RungData} r
 * @param {(trial: string) => string} [link] the trial's page, if there is one
 */
export function stoppedTableHtml(r, link) {
  if (r.stopped.length === 0) return '<p class="muted" id="stopped-table">no trial stopped (yet)</p>';
  const rows = r.stopped
    .map((s) => {
      const name = link ? `<a href="${esc(link(s.trial))}">${esc(s.label)}</a>` : esc(s.label);
      return (
        `<tr data-trial="${esc(s.trial)}"><td>${name}</td><td class="num">${esc(s.rung + 1)}</td><td class="num">${esc(s.epoch)}</td>` +
        `<td class="num">${nats(s.metric)}</td><td class="reason">${esc(s.reason)}</td><td>${esc(s.now)}</td></tr>`
      );
    })
    .join('');
  return `<table id="stopped-table"><thead><tr><th>trial</th><th class="num">rung</th><th class="num">epoch</th><th class="num">validation bound</th><th>reason</th><th>now</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/**
 * The rule in one line, and how many trials the plot shows.
 * @param {RungData} r
 */
export function ruleHtml(r) {
  const shown =
    r.curves.length < r.curvesTotal
      ? ` The plot shows the ${r.curves.length} of ${r.curvesTotal} trials that trained longest.`
      : '';
  return `<p class="muted" id="rung-rule">Judged on the held-out validation bound (the same k for every trial). ${esc(r.rule)}.${esc(shown)}</p>`;
}
