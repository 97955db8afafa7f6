import { IwaeSweepError } from '@iwae-sweep/core';

/** A requested compute backend cannot be loaded on this machine. */
export class BackendUnavailableError extends IwaeSweepError {
  override readonly name = 'BackendUnavailableError';
  readonly backend: string;
  constructor(backend: string, reason: string, options?: { cause?: unknown }) {
    super('backend_unavailable', `backend "${backend}" is not available: ${reason}`, options);
    this.backend = backend;
  }
}

/** The MNIST files are missing or not valid IDX files. */
export class DatasetError extends IwaeSweepError {
  override readonly name = 'DatasetError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('dataset', message, options);
  }
}

/** A checkpoint file is unreadable, corrupt, or belongs to another trial. */
export class CheckpointError extends IwaeSweepError {
  override readonly name = 'CheckpointError';
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super('checkpoint', `checkpoint ${file}: ${message}`, options);
    this.file = file;
  }
}

/** Training was stopped on request (cancel, SIGTERM) at an epoch boundary. */
export class TrainingAbortedError extends IwaeSweepError {
  override readonly name = 'TrainingAbortedError';
  readonly completedEpochs: number;
  constructor(completedEpochs: number, reason: string) {
    super('aborted', `training stopped after ${completedEpochs} epoch(s): ${reason}`);
    this.completedEpochs = completedEpochs;
  }
}

/** Training produced a non-finite loss (diverged). */
export class NonFiniteLossError extends IwaeSweepError {
  override readonly name = 'NonFiniteLossError';
  constructor(epoch: number, batch: number, value: number) {
    super('non_finite', `training diverged: the bound is ${value} at epoch ${epoch + 1}, batch ${batch + 1}`);
  }
}
