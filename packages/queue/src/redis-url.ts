import type { RedisOptions } from 'ioredis';
import { RedisUrlError } from './errors.ts';

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
export function redisOptionsFromUrl(url: string): RedisOptions {
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
    ...(u.protocol === 'rediss:' ? { tls: { servername: u.hostname } } : {}),
  };
}
