import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { IwaeSweepError, ValidationError } from '@iwae-sweep/core';
import { AllowedHosts, isLoopback } from './allowed-hosts.ts';
import { type DashboardOptions, dashboardApp } from './dashboard-app.ts';

export interface DashboardServer {
  url: string;
  close(): Promise<void>;
}

export type StartOptions = Omit<DashboardOptions, 'hosts'> & {
  host?: string;
  port?: number;
  /** Extra Host names to answer to (`--allowed-host`): `name` (any port) or `name:port`. */
  allowedHosts?: readonly string[];
};

export function publicBindWithoutToken(host: string): ValidationError {
  return new ValidationError('command-line flags', [
    {
      field: '--host',
      value: host,
      expected: 'a loopback address, or --token-file, --token or IWAE_SWEEP_TOKEN to bind elsewhere',
    },
  ]);
}

/**
 * Starts the dashboard. It binds to 127.0.0.1 unless told otherwise, and refuses any other
 * address without a token: results and actions are not for the whole network.
 */
export async function startDashboard(opts: StartOptions): Promise<DashboardServer> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(host) && !opts.token) throw publicBindWithoutToken(host);
  const hosts = new AllowedHosts(host, opts.allowedHosts);
  const app = dashboardApp({ ...opts, hosts });
  const wanted = opts.port ?? 8080;
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: wanted }, () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, host, wanted)));
  });
  const { port } = server.address() as AddressInfo;
  hosts.setPort(port);
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

/** Why the dashboard could not listen, in one line. */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  switch (err.code) {
    case 'EADDRINUSE':
      return new IwaeSweepError(
        'port_in_use',
        `port ${port} on ${host} is in use (another serve?): choose one with --port, or --no-dashboard`,
      );
    case 'EACCES':
      return new IwaeSweepError('port_denied', `port ${port} on ${host} needs privileges: choose one above 1023 with --port`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new ValidationError('command-line flags', [
        { field: '--host', value: host, expected: 'an address of this machine' },
      ]);
    default:
      return new IwaeSweepError('listen_failed', `cannot listen on ${host}:${port}: ${err.code ?? err.message}`);
  }
}
