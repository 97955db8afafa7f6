import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);
// A Host header or an --allowed-host value: a DNS name, an IPv4 address or a bracketed IPv6
// address, then an optional port. Nothing else (no userinfo, no path, no spaces).
const HOST_SYNTAX = /^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(:(\d{1,5}))?$/;

/** Whether an address is a loopback one (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || h === '[::1]' || /^127(\.\d{1,3}){3}$/.test(h);
}

/**
 * Whether the server can bind this address (checked before anything is opened): loopback, a
 * wildcard, one of this machine's addresses, or a name (resolved when listening).
 */
export function isLocalAddress(host: string): boolean {
  if (isLoopback(host) || WILDCARDS.has(hostName(host))) return true;
  if (isIP(host.replace(/^\[|\]$/g, '')) === 0) return true;
  const own = Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((a) => a.address.replace(/%.*$/, '')));
  return own.includes(host.replace(/^\[|\]$/g, '').toLowerCase());
}

/** The name of a host as it appears in a Host header: lowercase, IPv6 in brackets. */
function hostName(host: string): string {
  const h = host.toLowerCase();
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}

/** Splits `name[:port]`, or undefined when it is not a host at all. */
export function parseHost(value: string): { name: string; port: number | undefined } | undefined {
  const m = HOST_SYNTAX.exec(value.trim().toLowerCase());
  if (!m?.[1]) return undefined;
  const port = m[4] === undefined ? undefined : Number(m[4]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  return { name: m[1], port };
}

/**
 * The hosts the dashboard answers to, so that a page on a rebound DNS name (evil.example now
 * pointing at 127.0.0.1) is refused even though its requests reach our socket. Names the server
 * was bound for match on the served port only; an `--allowed-host` without a port (a reverse
 * proxy's public name) matches on any port.
 */
export class AllowedHosts {
  private readonly names = new Set<string>();
  private readonly anyPort = new Set<string>();
  private readonly exact = new Set<string>();
  private port = 0;

  constructor(bindHost: string, extra: readonly string[] = []) {
    const bind = hostName(bindHost);
    if (isLoopback(bindHost)) for (const n of [...LOOPBACK_NAMES, bind]) this.names.add(n);
    else if (WILDCARDS.has(bind)) {
      // Bound to every interface: any of this machine's own addresses, its name, and loopback.
      // (An IP literal cannot be rebound; only names need listing.)
      for (const n of LOOPBACK_NAMES) this.names.add(n);
      this.names.add(hostname().toLowerCase());
      for (const list of Object.values(networkInterfaces())) {
        for (const a of list ?? []) this.names.add(hostName(a.address.replace(/%.*$/, '')));
      }
    } else this.names.add(bind);
    for (const e of extra) {
      const h = parseHost(e);
      if (!h) throw new Error(`not a host: ${e}`);
      if (h.port === undefined) this.anyPort.add(h.name);
      else this.exact.add(`${h.name}:${h.port}`);
    }
  }

  /** The port actually served (known once listening, for `--port 0`). */
  setPort(port: number): void {
    this.port = port;
  }

  /** Whether a Host header (or an Origin's host) names this server. */
  allows(hostHeader: string | undefined): boolean {
    if (!hostHeader) return false;
    const h = parseHost(hostHeader);
    if (!h) return false;
    const port = h.port ?? 80;
    if (this.anyPort.has(h.name) || this.exact.has(`${h.name}:${port}`)) return true;
    return this.names.has(h.name) && port === this.port;
  }

  /** One line for refusals: what a request may use instead. */
  describe(): string {
    const local = [...this.names].slice(0, 4).map((n) => `${n}:${this.port}`);
    return [...local, ...this.exact, ...this.anyPort].join(', ');
  }
}
