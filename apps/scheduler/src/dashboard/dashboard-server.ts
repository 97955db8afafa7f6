import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { IwaeSweepError, ValidationError } from '@iwae-sweep/core';
import { type DashboardOptions, dashboardApp } from './dashboard-app.ts';

export interface DashboardServer {
  url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Starts the dashboard. It binds to 127.0.0.1 unless told otherwise, and refuses any other
 * address without a token: results and actions are not for the whole network.
 */
export async function startDashboard(opts: DashboardOptions & { host?: string; port?: number }): Promise<DashboardServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && !opts.token) {
    throw new ValidationError('command-line flags', [
      { field: '--host', value: host, expected: 'a loopback address, or --token (or IWAE_SWEEP_TOKEN) to bind elsewhere' },
    ]);
  }
  const app = dashboardApp(opts);
  const wanted = opts.port ?? 8080;
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: wanted }, () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new IwaeSweepError(
              'port_in_use',
              `port ${wanted} on ${host} is in use (another serve?): choose one with --port, or --no-dashboard`,
            )
          : err,
      ),
    );
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Live event streams never end by themselves.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
