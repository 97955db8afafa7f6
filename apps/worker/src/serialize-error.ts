import { ERROR_TEXT_LIMITS, type ErrorPayload, IwaeSweepError, truncateText, ValidationError } from '@iwae-sweep/core';
import { DatasetError, NonFiniteLossError } from '@iwae-sweep/iwae';

/** Errors that would repeat on every attempt: retrying them only wastes a worker. */
export function isFinalError(err: unknown): boolean {
  return err instanceof ValidationError || err instanceof NonFiniteLossError || err instanceof DatasetError;
}

/** An error as events carry it, cut to the event schema's limits (a huge message still reports the failure). */
export function serializeError(err: unknown): ErrorPayload {
  if (err instanceof Error) {
    return {
      name: truncateText(err.name, ERROR_TEXT_LIMITS.name),
      message: truncateText(err.message, ERROR_TEXT_LIMITS.message),
      ...(err.stack ? { stack: truncateText(err.stack, ERROR_TEXT_LIMITS.stack) } : {}),
      ...(err instanceof IwaeSweepError ? { code: truncateText(err.code, ERROR_TEXT_LIMITS.code) } : {}),
    };
  }
  return { name: 'Error', message: truncateText(String(err), ERROR_TEXT_LIMITS.message) };
}
