import { toMs, type Duration } from './duration.js';

/** Base class of every error Jobline throws, so callers can `instanceof JoblineError`. */
export class JoblineError extends Error {
  /** Set by enqueueMany on the error of an item it refused: that item's position in the call (the HTTP API names it). */
  declare item?: number;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An enqueue option (or module option) has a value Jobline cannot use. Nothing was stored. */
export class InvalidOptionError extends JoblineError {
  constructor(
    readonly option: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`Invalid option \`${option}\`: got ${describeValue(value)}; expected ${expected}.`);
  }
}

/** deleteQueue was asked to delete a queue that live workers consume, without `force`. */
export class QueueInUseError extends JoblineError {
  constructor(
    readonly queue: string,
    readonly workerIds: string[],
  ) {
    super(
      `Cannot delete queue "${queue}": ${workerIds.length} live worker${workerIds.length === 1 ? '' : 's'} consume${workerIds.length === 1 ? 's' : ''} it (${workerIds.join(', ')}); ` +
        'close them first, or pass { force: true } to delete it anyway.',
    );
  }
}

/** ctx.progress was given a value it cannot store (not a finite number or plain JSON object, or too large). */
export class InvalidProgressError extends JoblineError {
  constructor(
    readonly value: unknown,
    expected: string,
  ) {
    super(`Invalid progress: got ${describeValue(value)}; expected ${expected}.`);
  }
}

/** The job's payload is not JSON-serialisable (functions, BigInt, cycles, class instances with custom prototypes...). */
export class PayloadNotSerializableError extends JoblineError {}

/** The payload failed its handler's class-validator rules. `problems` lists each failed constraint. */
export class PayloadValidationError extends JoblineError {
  constructor(
    readonly jobName: string,
    readonly problems: string[],
  ) {
    super(`Invalid data for job "${jobName}": ${problems.join('; ')}.`);
  }
}

/** No handler is registered under this job name in this process. */
export class UnknownJobError extends JoblineError {
  constructor(
    readonly jobName: string,
    known: string[],
  ) {
    super(
      `No @Job handler named "${jobName}" is registered. ` +
        (known.length ? `Known jobs: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', ...' : ''}. ` : '') +
        'Check the name, or decorate a provider method with @Job("' +
        jobName +
        '") in a module of this application.',
    );
  }
}

/** Two handlers (or callbacks) claim the same name. */
export class DuplicateJobNameError extends JoblineError {
  constructor(
    readonly jobName: string,
    first: string,
    second: string,
  ) {
    super(`The job name "${jobName}" is used twice: by ${first} and by ${second}. Give one of them another name.`);
  }
}

/** A job ran past its `timeout`. Its signal was aborted and its slot freed. */
export class JobTimeoutError extends JoblineError {
  constructor(readonly timeoutMs: number) {
    super(`Job exceeded its timeout of ${timeoutMs / 1000}s and was aborted.`);
  }
}

/** Stored on a job that waited past its `ttl` and never ran (status `expired`). */
export class JobExpiredError extends JoblineError {}

/** Stored on a job canceled before it ran (status `canceled`). */
export class JobCanceledError extends JoblineError {}

/** Stored on a job stopped on request while it ran (status `stopped`); also its signal's abort reason. */
export class JobStoppedError extends JoblineError {}

/** Stored on a dependent canceled because a dependency failed (onDependencyFailure: 'cancel'). */
export class DependencyFailedError extends JoblineError {}

/** No @JobCallback is registered under this name in this process. */
export class UnknownCallbackError extends JoblineError {
  constructor(
    readonly callbackName: string,
    known: string[],
  ) {
    super(
      `No @JobCallback named "${callbackName}" is registered. ` +
        (known.length ? `Known callbacks: ${known.slice(0, 20).join(', ')}. ` : '') +
        'Check the name, or decorate a provider method with @JobCallback("' + callbackName + '").',
    );
  }
}

/** A callback ran past its timeout (default 60 s, as in RQ). */
export class CallbackTimeoutError extends JoblineError {}

/** Raised into a job's signal when its worker stops holding it (shutdown, or the job was deleted or reclaimed). */
export class JobReleasedError extends JoblineError {}

/** A job's lease ran out (its worker died or hung) and it had no attempts left. */
export class JobAbandonedError extends JoblineError {}

/**
 * Thrown by a handler to ask for another run (streaQ's `StreaqRetry`): after `delay` if given, else after the job's
 * `retry` backoff (else at once). Honoured while retries remain: the job's `retry.max`, or 3 for a job without `retry`.
 */
export class RetryJobError extends JoblineError {
  /** ms, or undefined for the job's own backoff */
  readonly delayMs: number | undefined;

  constructor(options: { delay?: Duration; message?: string } = {}) {
    super(options.message ?? 'The handler asked for the job to run again.');
    this.delayMs = options.delay === undefined ? undefined : toMs('delay', options.delay, { allowZero: true });
  }
}

/** Thrown by a handler to fail the job now, without the retries its `retry` option would give. */
export class UnrecoverableJobError extends JoblineError {}

/** `result()` on a job that failed. Carries the job's stored error. */
export class JobFailedError extends JoblineError {
  constructor(
    readonly jobId: string,
    readonly errorName: string,
    readonly errorMessage: string,
    readonly errorStack: string | undefined,
    readonly status: string = 'failed',
  ) {
    super(`Job ${jobId} ${status}: ${errorName}: ${errorMessage}`);
  }
}

/** `result({ timeout })` waited longer than its timeout. The job itself is untouched. */
export class WaitTimeoutError extends JoblineError {
  constructor(
    readonly jobId: string,
    timeoutMs: number,
    /** the job's status when the wait gave up (undefined when it could not be read) */
    readonly status?: string,
    /** why it may not have ended, and what to do: e.g. its queue has no live worker */
    detail?: string,
  ) {
    super(`Job ${jobId} did not end within ${timeoutMs / 1000}s of waiting${detail ? `: ${detail}` : '.'}`);
  }
}

/** The job does not exist (never created, deleted, or expired by its TTL). */
export class JobNotFoundError extends JoblineError {
  constructor(readonly jobId: string) {
    super(`Job ${jobId} does not exist (it was never enqueued, was deleted, or its result/failure TTL ran out).`);
  }
}

/** No recurring schedule has this id (never upserted, or removed). */
export class ScheduleNotFoundError extends JoblineError {
  constructor(readonly scheduleId: string) {
    super(`Schedule ${scheduleId} does not exist (it was never upserted, or was removed); getSchedules() lists those that do.`);
  }
}

/** An operation that the job's current status does not allow (e.g. requeue of a finished job). */
export class InvalidJobStateError extends JoblineError {
  constructor(
    readonly jobId: string,
    readonly status: string,
    action: string,
    allowed: string,
  ) {
    super(`Cannot ${action} job ${jobId}: its status is "${status}"; ${action} applies only to ${allowed} jobs.`);
  }
}

/** The QueueClient was closed: before a call on it, or while result() waited (the job itself is untouched). */
export class ClientClosedError extends JoblineError {}

/** The Redis server is older than Jobline's scripts need. Nothing was stored. */
export class RedisVersionError extends JoblineError {
  constructor(readonly found: string) {
    super(
      `Jobline needs Redis 6.2 or newer, and this server runs ${found}: its scripts use LPOP with a count, ZADD GT and ` +
        'SMISMEMBER. Upgrade the server, or point the connection (REDIS_URL) at Redis 6.2 or newer.',
    );
  }
}

/**
 * A worker thread could not get the handler of a job marked `isolate: 'thread'`: the worker has no `threads` setup,
 * or the setup module failed to load or to register handlers. The job fails with this error; the worker goes on.
 */
export class ThreadSetupError extends JoblineError {}

/** A worker thread that ran a job ended (it crashed, or called process.exit) before the job did. */
export class JobThreadExitedError extends JoblineError {}

/**
 * Redis refused a write because it reached `maxmemory` under the `noeviction` policy. A script is refused at its first
 * write, so a refused call stored nothing; `stored` says how many jobs of a multi-chunk enqueueMany Redis had already
 * stored (whole chunks, in order) before it refused the rest. Workers go on finishing the jobs already queued.
 */
export class RedisOutOfMemoryError extends JoblineError {
  constructor(
    readonly redisMessage: string,
    readonly stored = 0,
    readonly total = 0,
  ) {
    super(
      `Redis is out of memory (maxmemory reached, policy noeviction) and refused the write: ${redisMessage} ` +
        (total > 0 ? `${stored} of the ${total} jobs of this call were stored (whole chunks, in order), the rest were not. ` : 'Nothing of this call was stored. ') +
        'Raise maxmemory, or free memory (shorter resultTtl / failureTtl let ended jobs go sooner); jobs already queued still run.',
    );
  }
}

/**
 * The connection does not match the server: a single-node connection to a node of a Redis Cluster, or a cluster
 * connection to servers that are not in cluster mode (or that none of the given nodes answers). Nothing was stored.
 */
export class ClusterConnectionError extends JoblineError {
  constructor(
    message: string,
    /** what was found: a cluster node behind a single-node connection, standalone servers, or no node answering */
    readonly found: 'cluster-node' | 'standalone' | 'none',
  ) {
    super(message);
  }

  static singleNode(address: string): ClusterConnectionError {
    return new ClusterConnectionError(
      `The Redis server at ${address} is a node of a Redis Cluster (INFO cluster: cluster_enabled:1), and Jobline was ` +
        'given a single-node connection, which would reach only the queues whose slots that node serves. Pass ' +
        '`connection: { cluster: [{ host, port }, ...] }` (any reachable nodes of the cluster) or an ioredis Cluster.',
      'cluster-node',
    );
  }

  static notACluster(address: string): ClusterConnectionError {
    return new ClusterConnectionError(
      `The Redis server at ${address} is not in cluster mode (INFO cluster: cluster_enabled:0), and Jobline was given a ` +
        'cluster connection. Pass its URL (`connection: "redis://host:port"`) instead of `{ cluster: [...] }`.',
      'standalone',
    );
  }

  static unreachable(addresses: string[]): ClusterConnectionError {
    return new ClusterConnectionError(
      `None of the Redis Cluster nodes ${addresses.join(', ')} answered with the cluster's slot map; expected at least ` +
        'one reachable node of a Redis Cluster whose slots are all assigned.',
      'none',
    );
  }
}

/**
 * `waitForReplicas`: the write was applied on the master but fewer replicas than asked for confirmed it in time, so a
 * failover now could lose it. Enqueueing again with the same `jobId` is safe (it returns the existing job).
 */
export class ReplicationTimeoutError extends JoblineError {
  constructor(
    readonly acknowledged: number,
    readonly wanted: number,
    readonly timeoutMs: number,
  ) {
    super(
      `The write reached the master, but only ${acknowledged} of the ${wanted} replica(s) asked for (waitForReplicas) ` +
        `confirmed it within ${timeoutMs} ms: it may be lost if the master fails now. Enqueue again with the same jobId to ` +
        'be sure (an id that exists is returned, not stored twice).',
    );
  }
}

/**
 * Redis did not answer in time: an enqueue waited `enqueueTimeout` for a connection that is down (nothing was sent),
 * or for the reply to a command in flight when the connection dropped (it may or may not have been stored: give
 * the job a `jobId`, and a retry returns the same job instead of a second one).
 */
export class RedisUnavailableError extends JoblineError {
  constructor(
    /** where Jobline connects, e.g. redis://127.0.0.1:6379 (never the password) */
    readonly address: string,
    readonly waitedMs: number,
    readonly sent: boolean,
    /** the connection's last error (ECONNREFUSED...), when it reported one */
    readonly reason: string | undefined,
  ) {
    super(
      `Redis at ${address} did not answer within ${waitedMs / 1000}s` +
        (reason ? ` (${reason})` : '') +
        (sent
          ? ': the connection dropped while the enqueue was in flight, so the job may or may not be stored (retry with the same jobId to be sure of one job).'
          : ': it is unreachable, and nothing was stored.') +
        ' Check that Redis runs and that `connection` (or REDIS_URL) points at it; `enqueueTimeout` sets how long enqueue waits.',
    );
  }
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  // a Map or a class instance shows as {} in JSON: say what it is
  const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor;
  const kind = ctor && ctor !== Object && ctor !== Array && ctor.name ? `a ${ctor.name} ` : '';
  try {
    return kind + (JSON.stringify(value) ?? typeof value);
  } catch {
    return kind || typeof value;
  }
}

/** A feature needs an optional package the application has not installed (prom-client for metrics, ...). */
export class MissingDependencyError extends JoblineError {
  constructor(
    readonly packageName: string,
    feature: string,
  ) {
    super(`${feature} needs the package "${packageName}", which is not installed: run \`npm install ${packageName}\` in the application.`);
  }
}
