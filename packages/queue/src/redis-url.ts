import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { RedisOptions } from 'ioredis';
import { RedisCaError, RedisUrlError } from './errors.ts';

/**
 * Trust for rediss:// connections: the PEM of the CA that signed the server's certificate, for a
 * private CA (Node trusts the public ones already). Read once, by whoever holds the file path.
 */
export interface RedisTls {
  ca?: string;
}

/** Reads a CA file for {@link RedisTls}; throws RedisUrlError naming the file when it is unusable. */
export function readRedisCa(file: string): RedisTls {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RedisCaError(file, `a readable file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----'))
    throw new RedisCaError(file, 'a PEM certificate (-----BEGIN CERTIFICATE-----)');
  return { ca: pem };
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    // A raw "%" that starts no escape (a password like 50%off): it is meant literally.
    return part;
  }
}

/** A Redis URL's scheme: a server, or its Sentinels (which name the primary of the moment). */
export const REDIS_URL_SCHEME = /^rediss?(\+sentinel)?:\/\//;
const SENTINEL_URL = /^(rediss?)\+sentinel:\/\/(?:([^@]*)@)?([^/?#]+)\/([^/?#]+)(?:\/(\d+))?$/;

/**
 * ioredis options from a `redis://` or `rediss://` (TLS) URL with optional user, password and
 * database number: redis://:secret@host:6379/2, rediss://user:secret@host. Or Sentinel's:
 * redis+sentinel://:secret@s1:26379,s2:26379,s3:26379/mymaster[/db] — the Sentinels are asked
 * for the primary of that name, again after every failover; the password is the primary's.
 */
export function redisOptionsFromUrl(url: string, tls: RedisTls = {}): RedisOptions {
  if (/^rediss?\+sentinel:/.test(url)) return sentinelOptions(url, tls);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RedisUrlError(url, 'a URL such as redis://:password@host:6379/0');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new RedisUrlError(url, 'the redis:// or rediss:// scheme');
  // A "/", "?" or "#" in an unencoded password ends the host early: never fall back to localhost.
  if (u.hostname === '') throw new RedisUrlError(url, 'a host (percent-encode "/", "?" and "#" in a password)');
  const port = u.port === '' ? 6379 : Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RedisUrlError(url, 'a port from 1 to 65535');
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new RedisUrlError(url, 'a database number after the host, e.g. /0');
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    db,
    ...(u.username ? { username: decode(u.username) } : {}),
    ...(u.password ? { password: decode(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: tlsOptions(u.hostname.replace(/^\[|\]$/g, ''), tls) } : {}),
  };
}

/** SNI only for names (Node refuses an IP as servername); the certificate is checked either way. */
function tlsOptions(host: string, tls: RedisTls): NonNullable<RedisOptions['tls']> {
  return { ...(isIP(host) ? {} : { servername: host }), ...(tls.ca ? { ca: tls.ca } : {}) };
}

function sentinelOptions(url: string, tls: RedisTls): RedisOptions {
  const m = SENTINEL_URL.exec(url);
  if (!m) throw new RedisUrlError(url, 'a Sentinel URL such as redis+sentinel://:password@host:26379,host2:26379/mymaster');
  const [, scheme, auth, hostList, name, dbText] = m as unknown as [string, string, string | undefined, string, string, string?];
  const sentinels = hostList.split(',').map((hp) => {
    const hm = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hp);
    const port = hm?.[2] === undefined ? 26379 : Number(hm[2]);
    if (!hm?.[1] || port < 1 || port > 65535) throw new RedisUrlError(url, 'Sentinels as host:port, separated by commas');
    return { host: hm[1].replace(/^\[|\]$/g, ''), port };
  });
  const colon = auth?.indexOf(':') ?? -1;
  const username = auth !== undefined && colon >= 0 ? auth.slice(0, colon) : (auth ?? '');
  const password = auth !== undefined && colon >= 0 ? auth.slice(colon + 1) : '';
  return {
    sentinels,
    name: decode(name),
    db: dbText === undefined ? 0 : Number(dbText),
    ...(username ? { username: decode(username) } : {}),
    ...(password ? { password: decode(password) } : {}),
    // TLS to the primary and to the Sentinels alike (one CA).
    ...(scheme === 'rediss'
      ? { tls: tls.ca ? { ca: tls.ca } : {}, sentinelTLS: tls.ca ? { ca: tls.ca } : {}, enableTLSForSentinelMode: true }
      : {}),
  };
}
