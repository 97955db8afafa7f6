// @ts-check
// Small pieces every view uses: finding elements, and formatting cells (all escaped).
import { escapeHtml as esc, formatSeconds } from './format.js';

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

/**
 * @param {number | null | undefined} v
 * @param {number} [digits]
 */
export const num = (v, digits = 2) => (v === null || v === undefined || Number.isNaN(v) ? '–' : Number(v).toFixed(digits));
/** @param {number | null | undefined} ms */
export const time = (ms) => (ms ? new Date(ms).toLocaleString() : '–');
/** @param {number | null | undefined} s */
export const dur = (s) => formatSeconds(s, '–');
/** @param {string} s */
export const statusBadge = (s) => `<span class="status ${esc(s)}">${esc(s)}</span>`;
/**
 * A trial as chart legends and the trial page name it (plain text: escape it for HTML).
 * @param {{ objective: string, layers: number, k: number, latent: number, seed: number }} t
 */
export const trialLabel = (t) => `${t.objective} ${t.layers}L K=${t.k} z=${t.latent} s${t.seed}`;
