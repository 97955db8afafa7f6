import { type CliProcess, waitFor } from './cli.ts';

const DASHBOARD_AT = /dashboard at (http:\/\/[^\s";]+?)\/?(?:[;"]|$)/m;

/**
 * The dashboard URL a `serve` process prints once it listens (with `--port 0`, the port it got).
 * On timeout, the error shows what the process printed.
 */
export function dashboardUrl(serve: CliProcess, timeoutMs = 60_000): Promise<string> {
  return waitFor(
    () => DASHBOARD_AT.exec(serve.seen().stderr)?.[1],
    timeoutMs,
    'the dashboard URL',
    100,
    () => serve.seen(),
  );
}
