import type { TrialEventRecord } from '@iwae-sweep/core';
import { zodProblems } from '@iwae-sweep/core';
import type { Job, JobsOptions, Queue } from 'bullmq';
import { JobPayloadError } from './errors.ts';
import { type JobName, type JobPayload, jobCatalog, RESULTS_JOB_OPTIONS } from './job-catalog.ts';

function validate<N extends JobName>(name: N, payload: unknown, jobId?: string): JobPayload<N> {
  const entry = jobCatalog[name];
  const parsed = entry.schema.safeParse(payload);
  if (!parsed.success) {
    const detail = zodProblems(parsed.error, payload)
      .map((p) => `${p.field}: expected ${p.expected}`)
      .join('; ');
    throw new JobPayloadError(name, jobId, detail);
  }
  return parsed.data as JobPayload<N>;
}

/** The id and options a job gets from the catalog. */
export function jobSpec<N extends JobName>(
  name: N,
  payload: JobPayload<N>,
  extra: JobsOptions = {},
): { jobId: string } & JobsOptions {
  const entry = jobCatalog[name];
  const base = entry.queue === 'results' ? RESULTS_JOB_OPTIONS : {};
  return { ...base, ...entry.options, ...extra, jobId: (entry.id as (p: JobPayload<N>) => string)(payload) };
}

/** Adds a catalogued job after validating its payload. */
export async function addJob<N extends JobName>(
  queue: Queue,
  name: N,
  payload: JobPayload<N>,
  extra: JobsOptions = {},
): Promise<void> {
  const data = validate(name, payload);
  await queue.add(name, data, jobSpec(name, data, extra));
}

/** Reads a trial job's payload, or throws JobPayloadError (the job cannot succeed: no retry). */
export function readTrialJob(job: Pick<Job, 'name' | 'id' | 'data'>): JobPayload<'trial'> {
  if (job.name !== 'trial') throw new JobPayloadError(job.name, job.id, 'unknown job name on the trials queue');
  return validate('trial', job.data, job.id);
}

/** Reads a results-queue job as a trial event record, or throws JobPayloadError. */
export function readTrialEvent(job: Pick<Job, 'name' | 'id' | 'data'>): TrialEventRecord {
  if (job.name !== 'trial-event') throw new JobPayloadError(job.name, job.id, 'unknown job name on the results queue');
  return validate('trial-event', job.data, job.id);
}

/** Sends a trial event to the collector. */
export function emitTrialEvent(results: Queue, record: TrialEventRecord): Promise<void> {
  return addJob(results, 'trial-event', record);
}
