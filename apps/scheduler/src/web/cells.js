// @ts-check
// Small pieces every view uses: finding elements, and formatting cells (all escaped).
import { escapeHtml as esc, formatSeconds } from './format.js';

// Shared with the server (no DOM there), re-exported for the views.
export { trialLabel } from './estimator-labels.js';
export { num } from './format.js';

/**
 * The element with this id; a missing one is a bug in the page, said loudly.
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el;
}

/** @param {number | null | undefined} ms */
export const time = (ms) => (ms ? new Date(ms).toLocaleString() : '–');
/**
 * Date and time to the minute, for tables where a full timestamp would not fit.
 * @param {number | null | undefined} ms
 */
export const shortTime = (ms) => (ms ? new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' }) : '–');
/** @param {number | null | undefined} s */
export const dur = (s) => formatSeconds(s, '–');
/** @param {string} s */
export const statusBadge = (s) => `<span class="status ${esc(s)}">${esc(s)}</span>`;
