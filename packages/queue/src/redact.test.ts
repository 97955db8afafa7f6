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

describe('redisOptionsFromUrl with Sentinels', () => {
  it('lists the Sentinels and names the primary; the password is the primary’s', () => {
    const o = redisOptionsFromUrl('redis+sentinel://:s%40cret@10.0.0.1:26379,[::1]:26380,s3/mymaster/2');
    expect(o.sentinels).toEqual([
      { host: '10.0.0.1', port: 26379 },
      { host: '::1', port: 26380 },
      { host: 's3', port: 26379 },
    ]);
    expect(o).toMatchObject({ name: 'mymaster', db: 2, password: 's@cret' });
    expect(o.tls).toBeUndefined();
  });

  it('rediss+sentinel: TLS to the primary and the Sentinels', () => {
    const o = redisOptionsFromUrl('rediss+sentinel://h:26379/m', { ca: 'PEM' });
    expect(o).toMatchObject({ tls: { ca: 'PEM' }, sentinelTLS: { ca: 'PEM' }, enableTLSForSentinelMode: true });
  });

  it('a Sentinel URL without the primary’s name is refused, the password not shown', () => {
    expect(() => redisOptionsFromUrl('redis+sentinel://:hunter2@h:26379')).toThrow(/expected a Sentinel URL/);
    expect(() => redisOptionsFromUrl('redis+sentinel://:hunter2@h:26379')).not.toThrow(/hunter2/);
  });
});
