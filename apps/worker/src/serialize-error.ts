import { IwaeSweepError, ValidationError } from '@iwae-sweep/core';
import { DatasetError, NonFiniteLossError } from '@iwae-sweep/iwae';
import { z } from 'zod';

export const serializedErrorSchema = z.object({
  name: z.string(),
  message: z.string(),
  stack: z.string().optional(),
  code: z.string().optional(),
  /** True when another attempt cannot succeed (invalid config, diverged training, missing data). */
  final: z.boolean(),
});
export type SerializedError = z.infer<typeof serializedErrorSchema>;

/** Errors that would repeat on every attempt: retrying them only wastes a worker. */
export function isFinalError(err: unknown): boolean {
  return err instanceof ValidationError || err instanceof NonFiniteLossError || err instanceof DatasetError;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    return {
      name: err.name,
      message: err.message,
      ...(err.stack ? { stack: err.stack } : {}),
      ...(err instanceof IwaeSweepError ? { code: err.code } : {}),
      final: isFinalError(err),
    };
  }
  return { name: 'Error', message: String(err), final: false };
}
