import { type ErrorPayload, IwaeSweepError, ValidationError } from '@iwae-sweep/core';
import { DatasetError, NonFiniteLossError } from '@iwae-sweep/iwae';

/** Errors that would repeat on every attempt: retrying them only wastes a worker. */
export function isFinalError(err: unknown): boolean {
  return err instanceof ValidationError || err instanceof NonFiniteLossError || err instanceof DatasetError;
}

export function serializeError(err: unknown): ErrorPayload {
  if (err instanceof Error) {
    return {
      name: err.name,
      message: err.message,
      ...(err.stack ? { stack: err.stack } : {}),
      ...(err instanceof IwaeSweepError ? { code: err.code } : {}),
    };
  }
  return { name: 'Error', message: String(err) };
}
