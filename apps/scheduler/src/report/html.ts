// One HTML escape for the report, the dashboard's pages and the browser.
export { escapeHtml } from '../web/format.js';

/** JSON safe to embed in a <script> element (no "</script>", no HTML comment openers). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}
