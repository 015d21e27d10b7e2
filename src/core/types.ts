import type { Duration } from './duration.js';

export const JOB_STATUSES = [
  'queued',
  'deferred',
  'scheduled',
  'started',
  'finished',
  'failed',
  'stopped',
  'canceled',
  'expired',
] as const;

/** Where a job is in its life. `deferred`, `scheduled` and `stopped` are reserved for dependencies, delays and stop(). */
export type JobStatus = (typeof JOB_STATUSES)[number];

export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** A callback given by its `@JobCallback` name, or with its own timeout. */
export type CallbackRef = string | { name: string; timeout?: Duration };

/** Options a `@Job` decorator (or the module's `defaultJobOptions`) can preset for every enqueue of that job. */
export interface JobDefaults {
  /** Queue the job goes to. Default: the module's `defaultQueue`. */
  queue?: string;
  /** Put the job at the head of its queue. */
  atFront?: boolean;
  /** Longest wait before the job starts; past it, it never runs and its status becomes `expired`. Default: no limit. */
  ttl?: Duration;
  /** How long a finished job and its result are kept. Default 500 s; -1 forever; 0 delete right after success. */
  resultTtl?: Duration;
  /** How long a failed (or canceled, expired) job is kept. Default 1 year; -1 forever. */
  failureTtl?: Duration;
  /** Longest run time. Default 180 s; -1 no limit. */
  timeout?: Duration;
  /**
   * How many times the job may be started. A job whose worker died (its lease ran out) runs again while attempts
   * remain, else it fails as abandoned. Default 3. A handler that throws fails the job at once (RQ semantics).
   */
  attempts?: number;
  description?: string;
  meta?: JsonObject;
}

export interface EnqueueOptions extends JobDefaults {
  /** Caller-chosen id, `[A-Za-z0-9_.-]{1,128}`. Enqueueing an existing id returns the existing job. */
  jobId?: string;
}

export interface EnqueueItem {
  name: string;
  data?: unknown;
  options?: EnqueueOptions;
}

/** What a running handler receives as its second argument. */
export interface JobContext {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  /** 1 on the first run; higher when the job is run again after its worker died. */
  readonly attempt: number;
  /** The job's meta; change it with `updateMeta`. */
  readonly meta: JsonObject;
  /** Aborted on timeout, stop, or worker shutdown. Long handlers should pass it on or check it. */
  readonly signal: AbortSignal;
  /** Merges `patch` into the job's stored meta (readable through `info()`). */
  updateMeta(patch: JsonObject): Promise<void>;
}

export interface JobErrorInfo {
  name: string;
  message: string;
  stack?: string;
}

export interface JobInfo {
  id: string;
  name: string;
  queue: string;
  status: JobStatus;
  data: unknown;
  result: unknown;
  error: JobErrorInfo | null;
  enqueuedAt: Date | null;
  startedAt: Date | null;
  endedAt: Date | null;
  attempts: number;
  maxAttempts: number;
  workerId: string | null;
  meta: JsonObject;
  description: string | null;
  dependencies: string[];
  /** Effective options, in milliseconds (-1: no limit). */
  timeoutMs: number;
  resultTtlMs: number;
  failureTtlMs: number;
  /** When a queued job expires (its `ttl`), or null. */
  expiresAt: Date | null;
}
