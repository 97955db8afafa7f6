import { createHash } from 'node:crypto';
import { epochMetricsSchema, identityForm, stableStringify, type TrialConfig } from '@iwae-sweep/core';
import { z } from 'zod';
import { CheckpointError } from './errors.ts';
import type { TrainState } from './trainer.ts';

/**
 * Checkpoint file format, version 2:
 *
 *   "IWAECKP2" | u32 LE header length | header JSON | space padding to 4 bytes | float32 data | SHA-256
 *
 * The trailing 32-byte SHA-256 covers every byte before it — magic, header and data — so an edited
 * epoch, RNG state or Adam step is refused exactly like flipped tensor bits (version 1 hashed the
 * data only). `meta` is free for the stores' own bookkeeping (e.g. a writer's attempt token); it is
 * covered by the same hash. Version-1 files are refused, so their trials restart from scratch.
 */
const MAGIC = 'IWAECKP2';
const VERSION = 2;
const DIGEST_BYTES = 32;
const PREFIX_BYTES = MAGIC.length + 4;
/** A header holds the epoch history (one small object per epoch): far below this. */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;

/** xoshiro words, as Rng.state() gives them (signed or unsigned 32-bit). */
const word = z.number().int().min(-0x80000000).max(0xffffffff);
const headerSchema = z
  .object({
    version: z.literal(VERSION),
    /** Hash of the normalised config: a checkpoint only resumes the trial it was made by. */
    configHash: z.string().regex(/^[0-9a-f]{32}$/),
    epoch: z.number().int().min(0),
    rng: z.tuple([word, word, word, word]),
    adamStep: z.number().int().min(0),
    history: z.array(epochMetricsSchema),
    tensors: z.array(
      z
        .object({ group: z.enum(['params', 'm', 'v']), name: z.string().min(1).max(200), length: z.number().int().min(0) })
        .strict(),
    ),
    meta: z.record(z.string(), z.union([z.string().max(1000), z.number()])).optional(),
  })
  .strict()
  .refine((h) => h.history.length === h.epoch, { message: 'history length differs from the epoch' });
type Header = z.infer<typeof headerSchema>;

/** Store bookkeeping kept in a checkpoint and covered by its hash (see the format above). */
export type CheckpointMeta = Record<string, string | number>;

/** A decoded checkpoint: the training state, and the meta it was written with. */
export type DecodedCheckpoint = TrainState & { meta: CheckpointMeta };

export function configHash(config: TrialConfig): string {
  return createHash('sha256')
    .update(stableStringify(identityForm(config)))
    .digest('hex')
    .slice(0, 32);
}

function sha256(...parts: Buffer[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

function padLength(headerBytes: number): number {
  return (4 - ((PREFIX_BYTES + headerBytes) % 4)) % 4;
}

/** Serialises a training state (see the format above). */
export function encodeCheckpoint(config: TrialConfig, state: TrainState, meta?: CheckpointMeta): Buffer {
  const groups = [
    ['params', state.params],
    ['m', state.adam.m],
    ['v', state.adam.v],
  ] as const;
  const tensors: Header['tensors'] = [];
  const chunks: Buffer[] = [];
  for (const [group, map] of groups) {
    for (const [name, values] of map) {
      tensors.push({ group, name, length: values.length });
      chunks.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    }
  }
  const header: Header = {
    version: VERSION,
    configHash: configHash(config),
    epoch: state.epoch,
    rng: state.rng,
    adamStep: state.adam.step,
    history: state.history,
    tensors,
    ...(meta ? { meta } : {}),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const body = Buffer.concat([Buffer.from(MAGIC, 'ascii'), len, json, Buffer.alloc(padLength(json.length), 0x20), ...chunks]);
  return Buffer.concat([body, sha256(body)]);
}

/**
 * Reads a checkpoint written by {@link encodeCheckpoint} for `config`. Throws {@link CheckpointError}
 * naming `file` when it is not one, is truncated or edited anywhere, or was made by another trial.
 */
export function decodeCheckpoint(buf: Buffer, config: TrialConfig, file = 'checkpoint'): DecodedCheckpoint {
  const magic = buf.toString('latin1', 0, Math.min(buf.length, MAGIC.length));
  if (magic === 'IWAECKP1') throw new CheckpointError(file, 'version 1 format (its header is not hashed), not resumed');
  if (buf.length < PREFIX_BYTES + DIGEST_BYTES || magic !== MAGIC) {
    throw new CheckpointError(file, 'not an iwae-sweep checkpoint (bad magic)');
  }
  const body = buf.subarray(0, buf.length - DIGEST_BYTES);
  if (!sha256(body).equals(buf.subarray(buf.length - DIGEST_BYTES))) {
    throw new CheckpointError(file, 'checksum mismatch (edited, truncated or corrupt file)');
  }
  const len = buf.readUInt32LE(MAGIC.length);
  const dataStart = PREFIX_BYTES + len + padLength(len);
  if (len > MAX_HEADER_BYTES || dataStart > body.length)
    throw new CheckpointError(file, `header length ${len} runs past the file`);
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8', PREFIX_BYTES, PREFIX_BYTES + len));
  } catch (err) {
    throw new CheckpointError(file, 'corrupt header (not JSON)', { cause: err });
  }
  const parsed = headerSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CheckpointError(file, `corrupt header (${issue?.path.join('.') || 'header'}: ${issue?.message})`, {
      cause: parsed.error,
    });
  }
  const header = parsed.data;
  const expected = configHash(config);
  if (header.configHash !== expected) {
    throw new CheckpointError(file, `made by another trial config (hash ${header.configHash}, expected ${expected})`);
  }
  const data = body.subarray(dataStart);
  if (data.length % 4 !== 0) throw new CheckpointError(file, 'tensor data is not a whole number of float32 values');
  const floats = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  const maps = {
    params: new Map<string, Float32Array>(),
    m: new Map<string, Float32Array>(),
    v: new Map<string, Float32Array>(),
  };
  let offset = 0;
  for (const t of header.tensors) {
    if (offset + t.length > floats.length) throw new CheckpointError(file, `tensor ${t.group}/${t.name} runs past the data`);
    if (maps[t.group].has(t.name)) throw new CheckpointError(file, `tensor ${t.group}/${t.name} appears twice`);
    maps[t.group].set(t.name, floats.subarray(offset, offset + t.length));
    offset += t.length;
  }
  if (offset !== floats.length) throw new CheckpointError(file, `${floats.length - offset} float(s) of data belong to no tensor`);
  return {
    epoch: header.epoch,
    rng: header.rng,
    params: maps.params,
    adam: { step: header.adamStep, m: maps.m, v: maps.v },
    history: header.history,
    meta: header.meta ?? {},
  };
}
