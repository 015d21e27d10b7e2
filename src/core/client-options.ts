import { toMs, type Duration } from './model/duration.js';
import { InvalidOptionError } from './model/errors.js';
import type { JobDefaults } from './model/types.js';
import type { EventStreamOption } from './events/event-stream.js';
import type { HandlerRegistry } from './model/handler-registry.js';
import type { Logger } from './model/logger.js';
import type { ConnectionOption } from './redis/connection.js';
import { parseKeep, QueueRetention } from './model/retention.js';
import { parseQueueOptions, type DeclaredFlow, type QueueOptions } from './model/queue-options.js';
import { DEFAULTS } from './model/defaults.js';
import { assertKnownKeys } from './model/known-keys.js';
import { validateJobDefaults } from './model/job-spec.js';
import { assertQueueName } from './model/names.js';

export interface QueueClientOptions {
  /**
   * Redis URL, ioredis options or instance (Redis or Cluster), or a Redis Cluster's nodes `{ cluster: [{ host, port }],
   * options? }`. Default: REDIS_URL, else redis://127.0.0.1:6379.
   */
  connection?: ConnectionOption;
  /** Key namespace; two prefixes on one Redis never see each other's jobs. Default 'jobline'. */
  prefix?: string;
  /** The queue of a job whose @Job and enqueue call name none. Default 'default'. */
  defaultQueue?: string;
  /** Defaults for every enqueue, overridden by @Job options, overridden by per-call options. */
  defaultJobOptions?: JobDefaults;
  /** false: enqueue runs the job in this process before returning (tests). Default true. */
  isAsync?: boolean;
  /** Handlers known in this process: used for @Job defaults, payload validation and sync mode. */
  registry?: HandlerRegistry;
  /**
   * Reject job names the registry does not know. Default: only once `handlersComplete()` was called (this process
   * holds every handler, e.g. it runs a consumer) or in sync mode.
   */
  strictNames?: boolean;
  logger?: Logger;
  /** Longest an enqueue waits for an unreachable Redis before it fails with RedisUnavailableError. Default 5 s. */
  enqueueTimeout?: Duration;
  /** Log each failed job (its name, id, queue and error) through `logger`. Default true. */
  logFailedJobs?: boolean;
  /**
   * Also write job events (completed, failed, ...) to a bounded Redis stream per queue, for @QueueEventsListener
   * classes in any process. `true`, or `{ maxLen }` (entries kept per queue, about; default 10,000). Default off.
   */
  eventStream?: EventStreamOption;
  /**
   * Warn (through `logger`) when jobs enqueued here still wait this long after enqueue in a queue no live worker
   * consumes, naming the queue and the fix; checked once per queue a minute at most. `false`: never. Default 10 s.
   */
  noWorkerWarning?: Duration | false;
  /**
   * OpenTelemetry spans through `@opentelemetry/api` when the application has it: a producer span for each enqueue
   * made inside a span (the job carries its traceparent) and a consumer span around each run of such a job. Default true.
   */
  tracing?: boolean;
  /**
   * Replication an enqueue waits for before it resolves (Redis WAIT on the queue's master): a number of replicas, or
   * `{ replicas, timeout? }` (timeout default 1 s). If fewer confirm in time it rejects with ReplicationTimeoutError
   * (the jobs are stored on the master; enqueueing again with the same jobId is safe). Default: none, as Redis
   * replicates asynchronously: a master that fails right after an enqueue may lose it.
   */
  waitForReplicas?: number | { replicas: number; timeout?: Duration };
  /**
   * Options of each queue, by name. `keep`: retention caps of its ended jobs, e.g.
   * `{ emails: { keep: { finished: { count: 10_000, age: '1h' }, failed: { count: 100_000 } } } }`; a `@Job`'s and an
   * enqueue's `keep` override them field by field. Without a count cap, kept jobs grow with the queue's rate until
   * their ttl (a warning at start says so when Redis has no maxmemory). `lanes` (highest first) with optional
   * `weights`, and `rateLimit: { max, per }`: stored in Redis for every process (model/queue-options.ts; README "Lanes
   * and rate limits").
   */
  queues?: Record<string, QueueOptions>;
}

/** Every QueueClientOptions name (a typo in the options is refused). */
export const CLIENT_OPTION_NAMES = Object.keys({
  connection: 1,
  prefix: 1,
  isAsync: 1,
  defaultQueue: 1,
  defaultJobOptions: 1,
  registry: 1,
  strictNames: 1,
  logger: 1,
  enqueueTimeout: 1,
  logFailedJobs: 1,
  eventStream: 1,
  noWorkerWarning: 1,
  tracing: 1,
  waitForReplicas: 1,
  queues: 1,
} satisfies Record<keyof QueueClientOptions, 1>);

/** How long jobs may wait in a queue with no live worker before a warning, by default. */
export const DEFAULT_NO_WORKER_WARNING_MS = 10_000;

/** Validates `waitForReplicas` (see QueueClientOptions). */
export function replicaWait(option: QueueClientOptions['waitForReplicas']): { replicas: number; timeoutMs: number } | undefined {
  if (option === undefined) return undefined;
  const { replicas, timeout = 1 } = typeof option === 'number' ? { replicas: option } : option !== null && typeof option === 'object' ? option : { replicas: NaN };
  if (!Number.isInteger(replicas) || replicas < 1) {
    throw new InvalidOptionError('waitForReplicas', option, 'a number of replicas (an integer of at least 1), or { replicas, timeout? }');
  }
  return { replicas, timeoutMs: toMs('waitForReplicas.timeout', timeout) };
}

/** Checks a client's options (unknown names, values) and resolves what the client and its engine are made with. */
export function resolveClientOptions(options: QueueClientOptions): {
  defaultQueue: string;
  isAsync: boolean;
  defaults: JobDefaults;
  noWorkerWarningMs: number;
  retention: QueueRetention;
  flow: Map<string, DeclaredFlow>;
} {
  assertKnownKeys(options, 'QueueClient', CLIENT_OPTION_NAMES);
  const defaultQueue = options.defaultQueue ?? DEFAULTS.QUEUE;
  assertQueueName(defaultQueue);
  if (options.isAsync !== undefined && typeof options.isAsync !== 'boolean') {
    throw new InvalidOptionError('isAsync', options.isAsync, 'true or false');
  }
  const defaults = options.defaultJobOptions ?? {};
  validateJobDefaults(defaults, 'defaultJobOptions', defaultQueue);
  const noWorkerWarningMs =
    options.noWorkerWarning === false ? 0 : options.noWorkerWarning === undefined ? DEFAULT_NO_WORKER_WARNING_MS : toMs('noWorkerWarning', options.noWorkerWarning);
  const queues = parseQueueOptions(options.queues, (q) => assertQueueName(q, 'queues'));
  const retention = new QueueRetention(defaults.keep === undefined ? {} : parseKeep(defaults.keep, 'defaultJobOptions.keep'), queues.retention);
  return { defaultQueue, isAsync: options.isAsync ?? true, defaults, noWorkerWarningMs, retention, flow: queues.flow };
}
