import { describe, expect, it } from 'vitest';
import { redactEnvValue, redactUrl } from './redact.ts';
import { redisOptionsFromUrl } from './redis-url.ts';

describe('redactUrl', () => {
  const cases: [string, string][] = [
    ['redis://:secret@host:6379/0', 'redis://***@host:6379/0'],
    ['redis://user:secret@host', 'redis://***@host'],
    ['redis://:p@ss@word@host:6379', 'redis://***@host:6379'],
    ['redis://:a/b@c@host', 'redis://***@host'],
    ['rediss://:50%off@host', 'rediss://***@host'],
    ['redis:/:broken@host', 'redis:***@host'],
    ['not a url :secret@host', '***@host'],
    ['redis://host:6379', 'redis://host:6379'],
  ];
  for (const [url, shown] of cases) {
    it(`${url} → ${shown}`, () => {
      expect(redactUrl(url)).toBe(shown);
    });
  }

  it('hides secrets in env values entirely, URLs through redactUrl', () => {
    expect(redactEnvValue('IWAE_SWEEP_TOKEN', 'abc')).toBe('(hidden, 3 characters)');
    expect(redactEnvValue('IWAE_SWEEP_REDIS_URL', 'redis://:x@h')).toBe('redis://***@h');
    expect(redactEnvValue('IWAE_SWEEP_DB', 'a.db')).toBe('a.db');
  });
});

describe('redisOptionsFromUrl with odd passwords', () => {
  const passwords = ['p@ss', 'a:b', 's/l', '50%off', 'with space', 'ünïcødé-密码', 'h#sh?q'];
  for (const password of passwords) {
    it(`${JSON.stringify(password)} percent-encoded round-trips`, () => {
      const o = redisOptionsFromUrl(`redis://:${encodeURIComponent(password)}@example.org:6380/1`);
      expect(o).toMatchObject({ host: 'example.org', port: 6380, db: 1, password });
    });
  }
  it('a raw "%" that starts no escape is taken literally', () => {
    expect(redisOptionsFromUrl('redis://:50%off@h').password).toBe('50%off');
  });
  it('a raw "/" in a password is refused, not read as an empty host (which meant 127.0.0.1)', () => {
    expect(() => redisOptionsFromUrl('redis://:a/b@h')).toThrow(/expected a host|expected a URL/);
  });
});
