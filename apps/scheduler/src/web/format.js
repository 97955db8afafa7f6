// @ts-check
// Formatting shared by the server (pages, report, terminal) and the browser (the dashboard imports
// this file as a module): one HTML escape and one duration format. Plain JavaScript so that both
// sides load the same file without a build step; typed by JSDoc, checked by `pnpm typecheck`.

/** @type {ReadonlyMap<string, string>} */
const HTML_ESCAPES = new Map([
  ['&', '&amp;'],
  ['<', '&lt;'],
  ['>', '&gt;'],
  ['"', '&quot;'],
  ["'", '&#39;'],
]);

/**
 * Escapes text for HTML element content and attribute values (null and undefined become '').
 * @param {unknown} value
 * @returns {string}
 */
export function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"']/g, (ch) => HTML_ESCAPES.get(ch) ?? ch);
}

/**
 * A duration for people: "42.0 s", "3 min 12 s", "2 h 5 min"; `missing` when there is none.
 * @param {number | null | undefined} s seconds
 * @param {string} [missing]
 * @returns {string}
 */
export function formatSeconds(s, missing = '?') {
  if (s === null || s === undefined || !Number.isFinite(s)) return missing;
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/**
 * A number with fixed digits for a table cell; '–' when there is none.
 * @param {number | null | undefined} v
 * @param {number} [digits]
 */
export const num = (v, digits = 2) => (v === null || v === undefined || Number.isNaN(v) ? '–' : Number(v).toFixed(digits));
