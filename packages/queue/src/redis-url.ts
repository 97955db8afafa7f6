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

/**
 * ioredis options from a `redis://` or `rediss://` (TLS) URL with optional user, password and
 * database number: redis://:secret@host:6379/2, rediss://user:secret@host.
 */
export function redisOptionsFromUrl(url: string, tls: RedisTls = {}): RedisOptions {
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
