import type { Context, MiddlewareHandler } from 'hono';
import type { AllowedHosts } from './allowed-hosts.ts';

/** The header our page sends with every action; a page on another origin cannot send it. */
export const ACTION_HEADER = 'x-iwae-action';
/** Where bull-board's API lives; its UI cannot send our header. */
export const BULL_BOARD_API = '/queues/api/';

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** A refusal: a status and one line of plain text (no stack, nothing echoed but what was refused). */
export function refuse(c: Context, status: 400 | 401 | 403 | 404 | 405 | 413 | 421, line: string): Response {
  return c.text(`${line.replace(/[\r\n]+/g, ' ')}\n`, status, { 'cache-control': 'no-store' });
}

/** At most 120 printable characters of what a client sent, for a refusal message. */
export function shown(value: string): string {
  const clean = value.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(clean.length > 120 ? `${clean.slice(0, 120)}…` : clean);
}

export interface RequestGuardOptions {
  hosts: AllowedHosts;
  /** Whether bull-board may change queues (retry, add, clean…): off unless `--bull-board-writes`. */
  bullBoardWrites: boolean;
}

/**
 * The one gate in front of every route, ours and bull-board's (so that no route can forget it):
 * - the Host header must name this server (DNS rebinding);
 * - an Origin, when sent, must be this server's (a page elsewhere cannot read or act);
 * - a request that changes state (any method but GET/HEAD) must come from our own page: our
 *   header, which a cross-origin page cannot send without a CORS preflight we never answer, or,
 *   for bull-board's UI (which cannot add headers) and only when its writes are enabled, the
 *   browser's own word that the request is same-origin (Origin and Sec-Fetch-Site).
 */
export function requestGuard(opts: RequestGuardOptions): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header('host');
    if (!opts.hosts.allows(host)) {
      return refuse(
        c,
        421,
        `misdirected request: host ${shown(host ?? '')} is not this dashboard (allowed: ${opts.hosts.describe()}; add one with --allowed-host)`,
      );
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && !sameOrigin(origin, opts.hosts)) {
      return refuse(c, 403, `cross-origin request refused: origin ${shown(origin)} is not this dashboard`);
    }
    if (SAFE_METHODS.has(c.req.method)) return next();

    const site = c.req.header('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      return refuse(c, 403, `cross-site request refused: ${c.req.method} from a ${shown(site)} page`);
    }
    const path = c.req.path;
    if (path === '/queues' || path.startsWith('/queues/')) {
      if (!opts.bullBoardWrites) {
        return refuse(c, 403, 'bull-board is read-only: start serve with --bull-board-writes to change queues from the browser');
      }
      const browserSameOrigin = origin !== undefined && site === 'same-origin';
      if (browserSameOrigin || c.req.header(ACTION_HEADER) === '1') return next();
      return refuse(c, 403, `queue changes need a same-origin browser request or the header ${ACTION_HEADER}: 1`);
    }
    if (c.req.header(ACTION_HEADER) !== '1') return refuse(c, 403, `actions need the header ${ACTION_HEADER}: 1`);
    return next();
  };
}

function sameOrigin(origin: string, hosts: AllowedHosts): boolean {
  if (origin === 'null') return false;
  try {
    const u = new URL(origin);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
    if (u.origin !== origin.replace(/\/$/, '')) return false; // no path, userinfo or oddities
    return hosts.allows(u.port ? `${u.hostname}:${u.port}` : `${u.hostname}:${u.protocol === 'https:' ? 443 : 80}`);
  } catch {
    return false;
  }
}
