import { escapeHtml } from '../web/format.js';

/** The HTML shell of every page; dashboard.js renders the page named in data-page. */
export function pageHtml(kind: string, opts: { queues: boolean }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>iwae-sweep</title><link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/uplot.css"><link rel="stylesheet" href="/assets/dashboard.css">
</head><body data-page="${escapeHtml(kind)}" data-queues="${opts.queues ? 'true' : 'false'}">
<header><a href="/" class="brand">iwae-sweep</a><nav><a href="/">sweeps</a>${opts.queues ? '<a href="/queues">queues</a>' : ''}<a href="/metrics">metrics</a></nav></header>
<main id="app"><p class="muted">loading…</p></main>
<script src="/assets/uplot.js"></script><script src="/assets/charts.js"></script><script src="/assets/snr-chart.js"></script><script src="/assets/rung-chart.js"></script><script type="module" src="/assets/dashboard.js"></script>
</body></html>
`;
}
