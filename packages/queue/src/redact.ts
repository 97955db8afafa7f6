/**
 * A URL (or anything a user meant as one) safe to show: whatever sits between the scheme and the
 * last "@" — user and password, even when the password holds "@", ":", "/" or "%" and the URL does
 * not parse — becomes "***". Used for every message, log line and page that shows a Redis URL.
 */
export function redactUrl(url: string): string {
  const at = url.lastIndexOf('@');
  if (at < 0) return url;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:(\/\/)?/.exec(url)?.[0] ?? '';
  return `${scheme}***${url.slice(at)}`;
}

/** Environment variables whose whole value is a secret. */
const SECRET_NAME = /TOKEN|PASSWORD|SECRET|KEY/i;

/**
 * An environment value safe to show in a message: URLs through {@link redactUrl}, secrets
 * (tokens, passwords) not at all.
 */
export function redactEnvValue(name: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (SECRET_NAME.test(name)) return `(hidden, ${value.length} characters)`;
  return /URL$/i.test(name) ? redactUrl(value) : value;
}
