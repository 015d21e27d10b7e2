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

/** Where a job is in its life. `scheduled` is reserved for delayed jobs. */
export type JobStatus = (typeof JOB_STATUSES)[number];

export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** A callback given by its `@JobCallback` name, or with its own timeout (default 60 s, at most about 24.8 days). */
export type CallbackRef = string | { name: string; timeout?: Duration };

/** Options a `@Job` decorator (or the module's `defaultJobOptions`) can preset for every enqueue of that job. */
export interface JobDefaults {
  /** Queue the job goes to. Default: the module's `defaultQueue`. */
  queue?: string;
  /** Put the job at the head of its queue. */
  atFront?: boolean;
  /** Longest wait before the job starts; past it, it never runs and its status becomes `expired`. Default: no limit; at most 10 years. */
  ttl?: Duration;
  /** How long a finished job and its result are kept. Default 500 s; -1 forever; 0 delete right after success; at most 10 years. */
  resultTtl?: Duration;
  /** How long a failed (or canceled, expired) job is kept. Default 1 year; -1 forever; at most 10 years. */
  failureTtl?: Duration;
  /** Longest run time. Default 180 s; -1 no limit; at most 2^31-1 ms (about 24.8 days: the longest Node.js timer). */
  timeout?: Duration;
  /**
   * How many times the job may be started. A job whose worker died (its lease ran out) runs again while attempts
   * remain, else it fails as abandoned. Default 3. A handler that throws fails the job at once (RQ semantics).
   */
  attempts?: number;
  /** Free text shown by `info()`; well-formed (no lone UTF-16 surrogate). `''` is none: `info()` gives null. */
  description?: string;
  /** A plain JSON object, nested at most 1000 levels deep. */
  meta?: JsonObject;
  /**
   * When a dependency fails (or is canceled, stopped, expired): 'wait' (default, RQ) stays `deferred` until it is
   * requeued and finishes; 'cancel' becomes `canceled`, and so do its own dependents.
   */
  onDependencyFailure?: 'wait' | 'cancel';
  /** A `@JobCallback` run in the worker after the handler returns, before the job is marked finished. */
  onSuccess?: CallbackRef;
  /** A `@JobCallback` run when the job fails (handler error, timeout, abandoned after a crash). */
  onFailure?: CallbackRef;
  /** A `@JobCallback` run when the running job is stopped on request (`stop()`). */
  onStopped?: CallbackRef;
}

/** A job this one waits for: its handle, or its id (looked up in every queue; a job that does not exist counts as met). */
export type DependencyRef = { readonly id: string; readonly queue: string } | string;

/** `dependsOn` in full: `allowFailure` runs the job when a dependency fails too; `atFront` queues it at the head when released. */
export interface DependencySpec {
  jobs: DependencyRef | DependencyRef[];
  allowFailure?: boolean;
  atFront?: boolean;
}

export interface EnqueueOptions extends JobDefaults {
  /** Caller-chosen id, `[A-Za-z0-9_.-]{1,128}`. Enqueueing an existing id returns the existing job. */
  jobId?: string;
  /**
   * Jobs that must finish first (in any queue). Until then the job is `deferred`; it is queued the moment its last
   * dependency finishes. In enqueueMany, an item may name another item of the same call by its `jobId`.
   */
  dependsOn?: DependencyRef | DependencyRef[] | DependencySpec;
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
  /** The error of an onFailure callback that threw, recorded beside the job's own error. */
  callbackError?: JobErrorInfo;
}

/** What a callback receives about the job it is called for. */
export interface JobSnapshot {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly data: unknown;
  readonly attempt: number;
  readonly meta: JsonObject;
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
