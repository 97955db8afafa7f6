import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeTrialConfig, type TrialConfig } from '@iwae-sweep/core';
import { CheckpointError, DirectoryCheckpointStore, decodeCheckpoint, initBackend, runTrial } from '@iwae-sweep/iwae';
import { RedisCheckpointStore } from '@iwae-sweep/worker';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.ts';
import { deletePrefix, uniquePrefix } from '../helpers/sweep-fixture.ts';

// Edited, truncated and foreign checkpoints: each is refused with a CheckpointError naming the
// file (never resumed), and a trial whose checkpoint is refused restarts from scratch.
const config: TrialConfig = normalizeTrialConfig({
  objective: 'iwae',
  k: 2,
  trainSize: 100,
  testSize: 20,
  batchSize: 50,
  evalK: 5,
  activeUnitImages: 20,
  epochs: 2,
});
const tmp = tempDir('sec-ckpt');
let good: Buffer;

beforeAll(async () => {
  await initBackend('wasm');
  const store = new DirectoryCheckpointStore(tmp.dir);
  await runTrial(config, { backend: 'wasm', checkpoints: { store, key: 'made' } });
  good = readFileSync(store.describe('made'));
});
afterAll(() => tmp.cleanup());

/** Re-seals an edited body with a correct hash: what a forger who read the format would do. */
function reseal(body: Buffer): Buffer {
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}
const body = () => Buffer.from(good.subarray(0, good.length - 32));
const headerOf = (buf: Buffer) => JSON.parse(buf.toString('utf8', 12, 12 + buf.readUInt32LE(8))) as Record<string, unknown>;
/** Replaces the header (keeping the data) and re-seals: only the structural checks can refuse it. */
function withHeader(edit: (h: Record<string, unknown>) => void): Buffer {
  const b = body();
  const len = b.readUInt32LE(8);
  const h = headerOf(b);
  edit(h);
  const json = Buffer.from(JSON.stringify(h));
  const lenBuf = Buffer.alloc(4);
  lenBuf.writeUInt32LE(json.length);
  const pad = Buffer.alloc((4 - ((12 + json.length) % 4)) % 4, 0x20);
  const dataStart = 12 + len + ((4 - ((12 + len) % 4)) % 4);
  return reseal(Buffer.concat([b.subarray(0, 8), lenBuf, json, pad, b.subarray(dataStart)]));
}
const firstTensor = (h: Record<string, unknown>) => (h.tensors as Record<string, unknown>[])[0] as Record<string, unknown>;
function edited(find: string, replace: string): Buffer {
  const b = Buffer.from(good);
  const at = b.indexOf(find);
  if (at < 0 || find.length !== replace.length) throw new Error(`fixture: ${find} not found`);
  b.write(replace, at, 'latin1');
  return b;
}

const cases: [string, () => Buffer, RegExp][] = [
  ['the epoch edited in the header', () => edited('"epoch":2,', '"epoch":1,'), /checksum mismatch/],
  ['the Adam step edited', () => edited('"adamStep":4', '"adamStep":3'), /checksum mismatch/],
  [
    'one RNG word edited',
    () => {
      const b = Buffer.from(good);
      const at = b.indexOf('"rng":[') + 7;
      b[at] = b[at] === 0x31 ? 0x32 : 0x31;
      return b;
    },
    /checksum mismatch/,
  ],
  [
    'one data bit flipped',
    () => {
      const b = Buffer.from(good);
      b[b.length - 100] = (b[b.length - 100] as number) ^ 1;
      return b;
    },
    /checksum mismatch/,
  ],
  [
    'the hash itself edited',
    () => {
      const b = Buffer.from(good);
      b[b.length - 1] = (b[b.length - 1] as number) ^ 1;
      return b;
    },
    /checksum mismatch/,
  ],
  ['truncated', () => good.subarray(0, good.length - 1000), /checksum mismatch/],
  ['bytes appended', () => Buffer.concat([good, Buffer.from('extra')]), /checksum mismatch/],
  ['empty', () => Buffer.alloc(0), /bad magic/],
  ['another format', () => Buffer.from('PK\u0003\u0004 a zip file, not a checkpoint at all, but long enough'), /bad magic/],
  ['a version-1 checkpoint', () => Buffer.concat([Buffer.from('IWAECKP1'), good.subarray(8)]), /version 1 format/],
  [
    'made by another config (resealed)',
    () =>
      withHeader((h) => {
        h.configHash = '0'.repeat(32);
      }),
    /made by another trial config/,
  ],
  [
    'an epoch past the history (resealed)',
    () =>
      withHeader((h) => {
        h.epoch = 5;
      }),
    /corrupt header \(header: history length differs/,
  ],
  [
    'a tensor group "__proto__" (resealed)',
    () =>
      withHeader((h) => {
        firstTensor(h).group = '__proto__';
      }),
    /corrupt header \(tensors\.0\.group/,
  ],
  [
    'a negative tensor length (resealed)',
    () =>
      withHeader((h) => {
        firstTensor(h).length = -1;
      }),
    /corrupt header \(tensors\.0\.length/,
  ],
  [
    'a tensor listed twice (resealed)',
    () =>
      withHeader((h) => {
        const t = h.tensors as unknown[];
        t[1] = t[0];
      }),
    /appears twice|belong to no tensor|runs past/,
  ],
  [
    'an unknown header field (resealed)',
    () =>
      withHeader((h) => {
        h.resumeAt = 0;
      }),
    /corrupt header/,
  ],
  [
    'a header length past the file (resealed)',
    () => {
      const b = body();
      b.writeUInt32LE(0x7fffffff, 8);
      return reseal(b);
    },
    /header length 2147483647 runs past the file/,
  ],
  [
    'a header that is not JSON (resealed)',
    () => {
      const b = body();
      b.write('{', 12, 'latin1');
      b.write('!', 13, 'latin1');
      return reseal(b);
    },
    /corrupt header \(not JSON\)/,
  ],
];

describe('hostile checkpoints', () => {
  for (const [name, make, pattern] of cases) {
    it(`${name}: refused, naming the file`, () => {
      let error: unknown;
      try {
        decodeCheckpoint(make(), config, '/ckpt/t1.ckpt');
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(CheckpointError);
      expect((error as Error).message).toMatch(/^checkpoint \/ckpt\/t1\.ckpt: /);
      expect((error as Error).message).toMatch(pattern);
      expect((error as Error).message).not.toContain('\n');
    });
  }

  it('an edited checkpoint in a directory store: the trial restarts from scratch, the file is replaced', async () => {
    const store = new DirectoryCheckpointStore(tmp.dir);
    writeFileSync(store.describe('edited'), edited('"epoch":2,', '"epoch":1,'));
    const rejected: string[] = [];
    const result = await runTrial(config, {
      backend: 'wasm',
      checkpoints: { store, key: 'edited' },
      onCheckpointRejected: (err) => {
        rejected.push(err.message);
      },
    });
    expect(rejected).toEqual([
      `checkpoint ${join(tmp.dir, 'edited.ckpt')}: checksum mismatch (edited, truncated or corrupt file)`,
    ]);
    expect(result.resumedFromEpoch).toBe(0);
    expect(result.epochs).toHaveLength(2);
    expect(decodeCheckpoint(readFileSync(store.describe('edited')), config).epoch).toBe(2);
  });

  it('an edited checkpoint in the Redis store: refused once, replaced, the trial trains from scratch', async () => {
    const redis = new Redis('redis://127.0.0.1:6379');
    const prefix = uniquePrefix('sec-ckpt');
    try {
      const store = new RedisCheckpointStore(redis, prefix);
      await store.save('t1', edited('"adamStep":4', '"adamStep":3'));
      const rejected: string[] = [];
      const result = await runTrial(config, {
        backend: 'wasm',
        checkpoints: { store, key: 't1' },
        onCheckpointRejected: (err) => {
          rejected.push(err.message);
        },
      });
      expect(rejected).toEqual([`checkpoint redis key ${prefix}:ckpt:t1: checksum mismatch (edited, truncated or corrupt file)`]);
      expect(result.resumedFromEpoch).toBe(0);
      const saved = await store.load('t1');
      expect(saved && decodeCheckpoint(saved, config).epoch).toBe(2);
    } finally {
      await redis.quit();
      // Every key under the prefix: the store keeps a meta key beside each checkpoint.
      await deletePrefix('redis://127.0.0.1:6379', prefix);
    }
  });
});
