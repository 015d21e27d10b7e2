import type { Duration } from './duration.js';
import type { KeepOptions } from './retention.js';

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

/** Where a job is in its life. `scheduled`: waiting for its time (`delay`, `runAt`, or a retry's backoff). */
export type JobStatus = (typeof JOB_STATUSES)[number];

export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/**
 * The wait before a retry: a fixed Duration; a list (the wait before each retry, its last entry repeating, as RQ's
 * `Retry(max, interval=[...])`); or `fixed` / `exponential` (delay * 2^(retry - 1)), capped at `maxDelay`, with
 * `jitter` (0..1) taking up to that share off each wait at random.
 */
export type Backoff =
  | Duration
  | Duration[]
  | { type: 'fixed' | 'exponential'; delay: Duration; maxDelay?: Duration; jitter?: number };

/** `retry`: how many times a failed job runs again, and how long it waits before each (default: at once). */
export type RetryOption = number | { max: number; backoff?: Backoff };

/** A callback given by its `@JobCallback` name, or with its own timeout (default 60 s, at most about 24.8 days). */
export type CallbackRef = string | { name: string; timeout?: Duration };

/** Options a `@Job` decorator (or the module's `defaultJobOptions`) can preset for every enqueue of that job. */
export interface JobDefaults {
  /** Queue the job goes to. Default: the module's `defaultQueue`. `'<queue>.<lane>'` names a lane of a queue with lanes. */
  queue?: string;
  /**
   * The lane of its queue the job goes to (a queue's `lanes`, highest first). Default: the lane the queue name gives,
   * else `default`, else the queue's first lane. An unknown lane is an InvalidOptionError naming the queue's lanes.
   */
  priority?: string;
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
   * How many runs of the job a dead worker (its lease ran out) may cut short: the job runs again while attempts
   * remain, else it fails as abandoned. Default 3. Runs that ended in a retried failure do not count (see `retry`).
   */
  attempts?: number;
  /**
   * Runs the job again when it fails (a handler error or timeout, or a throwing onSuccess): up to `max` times, each
   * after its `backoff` (default: at once); status `scheduled` while it waits. Default: no retries (RQ). Never retried:
   * invalid data, an unknown handler, `UnrecoverableJobError`.
   */
  retry?: RetryOption;
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
  /**
   * Retention caps of the job once ended, e.g. `{ finished: { count: 10_000, age: '1h' }, failed: { count: 100_000 } }`:
   * when it ends, the oldest ended jobs of its queue beyond `count` are removed (a bounded batch per ended job), and it
   * is kept at most `age`, alongside `resultTtl` / `failureTtl` (whichever comes first). `failed` covers failed,
   * canceled, expired and stopped jobs. Each field overrides the queue's (`queues.<name>.keep`) and a call's overrides
   * the `@Job`'s; -1: no cap. A removed job reads as gone, and counts as met for its dependents.
   */
  keep?: KeepOptions;
  /**
   * While a job with the same unique key is `scheduled`, `deferred`, `queued` or `started`, enqueueing this one stores
   * nothing and returns the live job's handle (`handle.duplicate` is true). The key: `key`, or by default the job's
   * name and the canonical JSON of its data (key order does not matter). It is let go when the job ends in any way
   * (finished, failed for good, canceled, expired, stopped, deleted, emptied); `ttl` bounds how long it holds.
   */
  unique?: UniqueOption;
  /**
   * The group (tenant) the job belongs to, and the group's limits: at most `concurrency` of its jobs run at once and
   * at most `rateLimit.max` start per `rateLimit.per`, over every worker of the queue. Workers take turns over the
   * groups that have jobs ready (round robin), so no tenant's backlog holds another's jobs back. The limits are the
   * group's: the last enqueue of a job of the group sets them. Not together with a lane (`priority`, `queue.lane`).
   */
  group?: GroupOption;
}

/** `group`: a tenant key and its limits (BullMQ Pro's groups). */
export interface GroupOption {
  /** 1 to 128 characters, no control characters. */
  id: string;
  /** Most jobs of the group running at once (default: no limit). */
  concurrency?: number;
  /** Most jobs of the group started per `per`, on Redis time (default: no limit). */
  rateLimit?: { max: number; per: Duration };
}

/** `unique`: true for the default key (name + data), or a key of one's own and/or a longest hold. */
export type UniqueOption = boolean | { key?: string; ttl?: Duration };

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
  /** The job may start no earlier than this long after enqueue (status `scheduled` until then). Not with `runAt`. */
  delay?: Duration;
  /** The job may start no earlier than this instant (a Date, or epoch ms; a past instant means now). Not with `delay`. */
  runAt?: Date | number;
}

/** A recurring schedule's rule: exactly one of `cron` and `every`. */
export interface ScheduleRule {
  /**
   * A cron expression: 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first); names (`mon-fri`,
   * `jan`), ranges, lists and steps (`*\/5`) as in crontab; parsed by croner.
   */
  cron?: string;
  /** A fixed period (at least 100ms): ticks at startAt + k * every, or from the registration on. */
  every?: Duration;
  /** The IANA time zone `cron` reads its hours in. Default 'UTC', so every process computes the same ticks. */
  tz?: string;
  /** No tick before this instant, and none after `endAt` (Date or epoch ms). */
  startAt?: Date | number;
  endAt?: Date | number;
  /** The most ticks the rule fires; then the schedule has ended (it stays listed until removed). */
  limit?: number;
}

/** `@Job(name, { schedule })`: a rule, and the data of each tick's job. */
export interface JobSchedule extends ScheduleRule {
  data?: unknown;
}

/** A recurring schedule as stored (getSchedules()). */
export interface ScheduleInfo {
  id: string;
  /** the job name each tick enqueues, in `queue` */
  name: string;
  queue: string;
  /** the rule as given (`every` in ms, as a Duration string) */
  rule: ScheduleRule;
  data: unknown;
  /** the next tick; null once the schedule has ended (endAt passed, or limit reached) */
  nextRunAt: Date | null;
  /** the last tick that enqueued a job, and that job's id */
  lastRunAt: Date | null;
  lastJobId: string | null;
  /** ticks fired under the current rule */
  runs: number;
  createdAt: Date | null;
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
  /** 1 on the first run; one more on each later run (a retry, or a run again after its worker died). */
  readonly attempt: number;
  /** How many retries came before this run (0 on the first run; see `retry`). */
  readonly retries: number;
  /** The job's meta; change it with `updateMeta`. */
  readonly meta: JsonObject;
  /** Aborted on timeout, stop, or worker shutdown. Long handlers should pass it on or check it. */
  readonly signal: AbortSignal;
  /** Merges `patch` into the job's stored meta (readable through `info()`). */
  updateMeta(patch: JsonObject): Promise<void>;
  /**
   * Stores the job's progress (a number, or a plain JSON object of at most 64 KiB as JSON), readable as
   * `info().progress`, and reports a `progress` job event. Each call replaces the last value.
   */
  progress(value: number | JsonObject): Promise<void>;
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
  /**
   * For onFailure: whether the job will run again (a retry, or another attempt after a dead worker), so this failed
   * attempt is not its end. Always false for onSuccess and onStopped.
   */
  readonly willRetry: boolean;
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
  /** Runs started so far (retries and runs cut short by a dead worker included). */
  attempts: number;
  /** How many runs a dead worker may cut short before the job fails as abandoned (the `attempts` option). */
  maxAttempts: number;
  /** Retries so far after failed runs, and the most the job's `retry` allows (0 without `retry`). */
  retries: number;
  maxRetries: number;
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
  /** When a delayed job becomes (or became) runnable: its `delay` / `runAt`, or its last retry's backoff; else null. */
  scheduledFor: Date | null;
  /** The last progress the job reported (`ctx.progress`), or null. */
  progress: number | JsonObject | null;
  /**
   * The lane the job went to (`priority` or `queue.lane`), when that is not its queue's fallback lane (`default`, else
   * the first); null in the fallback lane and in a queue without lanes, whose jobs carry no lane.
   */
  lane: string | null;
  /** The group (`group.id`) the job was enqueued in, or null. */
  group: string | null;
}
