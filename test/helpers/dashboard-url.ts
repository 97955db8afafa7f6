import { type CliProcess, waitFor } from './cli.ts';

const DASHBOARD_AT = /dashboard at (http:\/\/[^\s";]+?)\/?(?:[;"]|$)/m;

/**
 * The dashboard URL a `serve` process prints once it listens (with `--port 0`, the port it got).
 * On timeout, the error shows what the process printed. The default is sized for a CLI's start-up
 * on a loaded two-core machine (a worker's took over 20 s at a load of 18).
 */
export function dashboardUrl(serve: CliProcess, timeoutMs = 180_000): Promise<string> {
  return waitFor(
    () => DASHBOARD_AT.exec(serve.seen().stderr)?.[1],
    timeoutMs,
    'the dashboard URL',
    100,
    () => serve.seen(),
  );
}
