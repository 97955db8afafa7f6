import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseEnv, sharedEnvSchema } from './shared-env.ts';

describe('the shared environment', () => {
  it('gives the defaults when nothing is set, and reads only IWAE_SWEEP_* variables', () => {
    expect(parseEnv(sharedEnvSchema, 'environment', { HOME: '/root', PREFIX: 'x' })).toEqual({
      IWAE_SWEEP_PREFIX: 'iwae-sweep',
      IWAE_SWEEP_LOG_LEVEL: 'info',
    });
    const set = parseEnv(sharedEnvSchema, 'environment', {
      IWAE_SWEEP_PREFIX: 'table1',
      IWAE_SWEEP_REDIS_URL: 'rediss://:pw@h:6380',
      IWAE_SWEEP_LOG_LEVEL: 'debug',
    });
    expect(set).toMatchObject({ IWAE_SWEEP_PREFIX: 'table1', IWAE_SWEEP_LOG_LEVEL: 'debug' });
  });

  it('names a bad variable and its value, never a password or a secret', () => {
    const secretFree = (pattern: RegExp) =>
      expect.objectContaining({
        name: 'ValidationError',
        message: expect.stringMatching(new RegExp(`^(?![^]*Zq9)[^]*${pattern.source}`)),
      });
    expect(() => parseEnv(sharedEnvSchema, 'environment', { IWAE_SWEEP_REDIS_URL: 'http://:Zq9secret@h' })).toThrow(
      secretFree(/IWAE_SWEEP_REDIS_URL: got "http:\/\/\*\*\*@h", expected a redis:\/\/, rediss:\/\/ or redis\+sentinel:\/\/ URL/),
    );
    const schema = sharedEnvSchema.extend({ IWAE_SWEEP_TOKEN: z.string().min(16) });
    expect(() => parseEnv(schema, 'environment', { IWAE_SWEEP_TOKEN: 'Zq9short' })).toThrow(
      secretFree(/IWAE_SWEEP_TOKEN: got "\(hidden, 8 characters\)"/),
    );
  });

  it('treats an empty variable as unset only when asked (the trial process does)', () => {
    expect(() => parseEnv(sharedEnvSchema, 'environment', { IWAE_SWEEP_PREFIX: '' })).toThrow(/IWAE_SWEEP_PREFIX/);
    expect(parseEnv(sharedEnvSchema, 'environment', { IWAE_SWEEP_PREFIX: '' }, { skipEmpty: true }).IWAE_SWEEP_PREFIX).toBe(
      'iwae-sweep',
    );
  });
});
