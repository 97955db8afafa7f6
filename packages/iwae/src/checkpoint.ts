import { createHash } from 'node:crypto';
import { type EpochMetrics, type RngState, stableStringify, type TrialConfig } from '@iwae-sweep/core';
import { CheckpointError } from './errors.ts';
import type { TrainState } from './trainer.ts';

const MAGIC = 'IWAECKP1';
const VERSION = 1;

interface Header {
  version: number;
  /** Hash of the normalised config: a checkpoint only resumes the trial it was made by. */
  configHash: string;
  epoch: number;
  rng: RngState;
  adamStep: number;
  history: EpochMetrics[];
  tensors: { group: 'params' | 'm' | 'v'; name: string; length: number }[];
  sha256: string;
}

export function configHash(config: TrialConfig): string {
  return createHash('sha256').update(stableStringify(config)).digest('hex').slice(0, 32);
}

/** Serialises a training state: magic, header length, JSON header, then float32 data. */
export function encodeCheckpoint(config: TrialConfig, state: TrainState): Buffer {
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
  const data = Buffer.concat(chunks);
  const header: Header = {
    version: VERSION,
    configHash: configHash(config),
    epoch: state.epoch,
    rng: state.rng,
    adamStep: state.adam.step,
    history: state.history,
    tensors,
    sha256: createHash('sha256').update(data).digest('hex'),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  // Pad so the float data starts 4-byte aligned.
  const pad = Buffer.alloc((4 - ((MAGIC.length + 4 + json.length) % 4)) % 4, 0x20);
  return Buffer.concat([Buffer.from(MAGIC, 'ascii'), len, json, pad, data]);
}

export function decodeCheckpoint(buf: Buffer, config: TrialConfig, file = 'checkpoint'): TrainState {
  if (buf.length < MAGIC.length + 4 || buf.toString('ascii', 0, MAGIC.length) !== MAGIC) {
    throw new CheckpointError(file, 'not an iwae-sweep checkpoint (bad magic)');
  }
  const len = buf.readUInt32LE(MAGIC.length);
  const jsonStart = MAGIC.length + 4;
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', jsonStart, jsonStart + len)) as Header;
  } catch (err) {
    throw new CheckpointError(file, 'corrupt header', { cause: err });
  }
  if (header.version !== VERSION) throw new CheckpointError(file, `version ${header.version}, expected ${VERSION}`);
  const expected = configHash(config);
  if (header.configHash !== expected) {
    throw new CheckpointError(file, `made by another trial config (hash ${header.configHash}, expected ${expected})`);
  }
  const dataStart = jsonStart + len + ((4 - ((jsonStart + len) % 4)) % 4);
  const data = buf.subarray(dataStart);
  if (createHash('sha256').update(data).digest('hex') !== header.sha256) {
    throw new CheckpointError(file, 'data checksum mismatch (truncated or corrupt file)');
  }
  const floats = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  const maps = {
    params: new Map<string, Float32Array>(),
    m: new Map<string, Float32Array>(),
    v: new Map<string, Float32Array>(),
  };
  let offset = 0;
  for (const t of header.tensors) {
    if (offset + t.length > floats.length) throw new CheckpointError(file, `tensor ${t.group}/${t.name} runs past the data`);
    maps[t.group].set(t.name, floats.subarray(offset, offset + t.length));
    offset += t.length;
  }
  return {
    epoch: header.epoch,
    rng: header.rng,
    params: maps.params,
    adam: { step: header.adamStep, m: maps.m, v: maps.v },
    history: header.history,
  };
}
