import { zodProblems } from '@iwae-sweep/core';
import type { Job, JobsOptions, Queue } from 'bullmq';
import { JobPayloadError } from './errors.ts';
import { type JobName, type JobPayload, jobCatalog, RESULTS_JOB_OPTIONS, type ResultEvent } from './job-catalog.ts';

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

/** Reads a results-queue job as a typed event, or throws JobPayloadError. */
export function readResultEvent(job: Pick<Job, 'name' | 'id' | 'data'>): ResultEvent {
  const name = job.name as JobName;
  if (!(name in jobCatalog) || jobCatalog[name].queue !== 'results') {
    throw new JobPayloadError(job.name, job.id, 'unknown job name on the results queue');
  }
  return { name, payload: validate(name, job.data, job.id) } as ResultEvent;
}
