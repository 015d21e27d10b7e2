import { DEFAULTS } from './model/defaults.js';
import { InvalidOptionError, ReplicationTimeoutError } from './model/errors.js';
import { consoleLogger, type Logger } from './model/logger.js';
import { assertPrefix } from './model/names.js';
import { EventStreamWriter, streamMaxLen, type EventStreamOption } from './events/event-stream.js';
import { JobEvents } from './events/job-events.js';
import { toMs, type Duration } from './model/duration.js';
import { RedisAvailability } from './redis/availability.js';
import { closeConnection, duplicateConnection, isCluster, openConnection, redisTimeMs, type ConnectionOption, type RedisClient } from './redis/connection.js';
import { JobIdIndex } from './redis/job-id-index.js';
import { KeySpace, type QueueKeys } from './redis/keys.js';
import { OutboxDeliverer } from './redis/outbox.js';
import { runScript, type ScriptName, type ScriptReply } from './redis/scripts.js';
import { ensureServer, serverChecked, setServerLogger } from './redis/server-check.js';
import { WorkerRegistry } from './redis/worker-registry.js';
import { JobTracing } from './tracing/job-tracing.js';
import { QueueRetention } from './model/retention.js';
import type { DeclaredFlow } from './model/queue-options.js';
import { Lanes } from './lanes/lanes.js';

export interface EngineOptions {
  /** Redis URL, ioredis options or instance (Redis or Cluster), or a cluster's nodes. Default: REDIS_URL, else redis://127.0.0.1:6379. */
  connection?: ConnectionOption;
  /** Key namespace. Default 'jobline'. */
  prefix?: string;
  logger?: Logger;
  /** Longest an enqueue waits for an unreachable Redis before it fails with RedisUnavailableError. Default 5 s. */
  enqueueTimeout?: Duration;
  /** Log each failed job through `logger`. Default true. */
  logFailedJobs?: boolean;
  /** Also write job events to each queue's capped Redis stream. Default off. */
  eventStream?: EventStreamOption;
  /** Spans through `@opentelemetry/api` when the application has it. Default true. */
  tracing?: boolean;
  /** Queue-level retention caps of ended jobs (QueueClientOptions.queues, defaultJobOptions.keep). Default: none. */
  retention?: QueueRetention;
  /** The lanes and rate limits this client declares (QueueClientOptions.queues). Default: none. */
  flow?: ReadonlyMap<string, DeclaredFlow>;
}

/** How long an enqueue waits for Redis by default. */
const DEFAULT_ENQUEUE_TIMEOUT_MS = 5000;

/**
 * The one context every part of the engine is handed: the command connection, the keys of this prefix, the scripts,
 * the logger, and the two services every state change may need (the outbox to other queues, the id index).
 */
export class Engine {
  readonly redis: RedisClient;
  /** The connection is to a Redis Cluster. */
  readonly cluster: boolean;
  readonly keys: KeySpace;
  readonly logger: Logger;
  readonly outbox: OutboxDeliverer;
  readonly ids: JobIdIndex;
  /** The live workers of this prefix (each worker's entry, refreshed on its lease timer). */
  readonly workers: WorkerRegistry;
  /** Whether Redis answers; logs an outage once; bounds how long producers wait. */
  readonly availability: RedisAvailability;
  /** This process's job events (completed, failed, ...): listeners, the failure log, the stream writer. */
  readonly events: JobEvents;
  readonly enqueueTimeoutMs: number;
  /** OpenTelemetry spans of enqueues and runs, or null (no `@opentelemetry/api`, or `tracing: false`). */
  readonly tracing: JobTracing | null;
  /** The queue-level caps of ended jobs (model/retention.ts). */
  readonly retention: QueueRetention;
  /** Queue lanes and rate limits: those declared here, and those stored by other processes (lanes/lanes.ts). */
  readonly lanes: Lanes;
  private readonly stream: EventStreamWriter | null;
  private readonly owned: boolean;

  constructor(options: EngineOptions) {
    const prefix = options.prefix ?? DEFAULTS.PREFIX;
    assertPrefix(prefix);
    this.logger = options.logger ?? consoleLogger;
    this.keys = new KeySpace(prefix);
    this.enqueueTimeoutMs = options.enqueueTimeout === undefined ? DEFAULT_ENQUEUE_TIMEOUT_MS : toMs('enqueueTimeout', options.enqueueTimeout);
    if (options.logFailedJobs !== undefined && typeof options.logFailedJobs !== 'boolean') {
      throw new InvalidOptionError('logFailedJobs', options.logFailedJobs, 'true or false');
    }
    if (options.tracing !== undefined && typeof options.tracing !== 'boolean') {
      throw new InvalidOptionError('tracing', options.tracing, 'true or false');
    }
    const maxLen = streamMaxLen(options.eventStream);
    const conn = openConnection(options.connection);
    this.redis = conn.redis;
    this.cluster = isCluster(conn.redis);
    this.owned = conn.owned;
    setServerLogger(this.redis, this.logger);
    this.availability = new RedisAvailability(this.redis, this.logger);
    this.events = new JobEvents(this.logger, options.logFailedJobs ?? true);
    this.stream = maxLen > 0 ? new EventStreamWriter(this, maxLen) : null;
    if (this.stream) {
      const stream = this.stream;
      this.events.setSink((e) => stream.add(e));
    }
    this.outbox = new OutboxDeliverer(this.redis, this.keys);
    this.ids = new JobIdIndex(this.redis, this.keys);
    // the registry's times are the clock of the node that holds it (a cluster's nodes' clocks may differ)
    this.workers = new WorkerRegistry(this.redis, this.keys, () => redisTimeMs(this.redis, this.keys.workers));
    this.tracing = options.tracing === false ? null : JobTracing.load();
    this.retention = options.retention ?? new QueueRetention({}, new Map());
    this.lanes = new Lanes(this, options.flow ?? new Map());
  }

  /**
   * Whether workers fetch jobs instrumented (work.lua's ARGV[5]: enqueue time and traceparent too): while a listener
   * wants job timings (metrics) or a tracer provider is registered. Asked once per fetch call.
   */
  get instrumented(): boolean {
    return this.events.timings || (this.tracing !== null && this.tracing.active);
  }

  get prefix(): string {
    return this.keys.prefix;
  }

  queue(name: string): QueueKeys {
    return this.keys.queue(name);
  }

  /** Runs a script on `queue` (see redis/scripts.ts); `dynamic` gives declared keys named by the call. */
  run(name: ScriptName, queue: string, args: (string | number)[], dynamic?: Record<string, string>): Promise<ScriptReply> {
    const call = runScript(this.redis, name, this.keys.queue(queue), args, dynamic);
    return this.cluster ? call.catch((err: Error) => this.retryRefused(err, name, queue, args, dynamic)) : call;
  }

  /**
   * On a cluster, a script that ioredis gave up on after TRYAGAIN (its queue's slot migrates; the fence key in every
   * script makes Redis refuse it until the migration ends) or MOVED/ASK/CLUSTERDOWN loops never ran: try it again, for
   * up to CLUSTER_RETRY_MS in all. Any other failure (a connection that closed after the script was sent may have
   * run it) is the caller's.
   */
  private async retryRefused(err: Error, name: ScriptName, queue: string, args: (string | number)[], dynamic: Record<string, string> | undefined): Promise<ScriptReply> {
    const deadline = Date.now() + DEFAULTS.CLUSTER_RETRY_MS;
    for (let attempt = 1; notRun(err) && Date.now() < deadline; attempt++) {
      await new Promise((r) => setTimeout(r, Math.min(500, 25 * attempt)));
      try {
        return await runScript(this.redis, name, this.keys.queue(queue), args, dynamic);
      } catch (again) {
        err = again as Error;
      }
    }
    throw err;
  }

  /**
   * Resolves once the server is known to suit Jobline (version, and cluster mode matching the connection: see
   * server-check.ts). Scripts wait for it on their own; plain commands that write or that a wrong connection would
   * answer misleadingly wait for it here.
   */
  ready(): Promise<void> {
    return serverChecked(this.redis) ? Promise.resolve() : ensureServer(this.redis);
  }

  /**
   * WAIT: resolves once the writes this connection made to the masters of `queues` are on at least `replicas`
   * replicas each, else rejects with ReplicationTimeoutError after `timeoutMs`. On a cluster, WAIT goes to each
   * queue's master in a pipeline behind a read of its meta key (WAIT has no key to route it by).
   */
  async waitForReplicas(queues: Iterable<string>, replicas: number, timeoutMs: number): Promise<void> {
    const redis = this.redis;
    const acked = isCluster(redis)
      ? await Promise.all(
          [...new Set(queues)].map(async (q) => {
            const res = (await redis.pipeline().exists(this.keys.queue(q).meta).wait(replicas, timeoutMs).exec()) ?? [];
            const [err, n] = res[1] ?? [new Error('WAIT got no reply')];
            if (err) throw err;
            return Number(n);
          }),
        )
      : [await redis.wait(replicas, timeoutMs)];
    const least = Math.min(...acked);
    if (least < replicas) throw new ReplicationTimeoutError(least, replicas, timeoutMs);
  }

  /** A second connection with the same settings, for blocking reads or pub/sub; the caller closes it. */
  connection(): RedisClient {
    const dup = duplicateConnection(this.redis);
    this.availability.watch(dup);
    return dup;
  }

  /**
   * Logs a failure of background work (a worker's round trip, lease, maintenance) unless Redis is known to be down:
   * that outage was logged once (RedisAvailability), and the work retries by itself when Redis answers.
   */
  backgroundError(what: string, err: unknown): void {
    if (this.availability.isDown) return;
    this.logger.error(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  }

  /** Redis's clock, in ms, as `queue`'s scripts read it (on a cluster, the clock of the node that holds the queue). */
  timeMs(queue: string): Promise<number> {
    return redisTimeMs(this.redis, this.keys.queue(queue).meta);
  }

  /** Writes the events still pending, then closes the command connection if the engine opened it. */
  async close(): Promise<void> {
    await this.stream?.drain();
    if (this.owned) await closeConnection(this.redis);
  }
}

/** ioredis gave up redirecting a command that no node ran (its last error was a refusal, not a lost connection). */
function notRun(err: Error): boolean {
  return /^Too many Cluster redirections\. Last error: (?:ReplyError: )?(?:TRYAGAIN|MOVED|ASK|CLUSTERDOWN)\b/.test(err.message);
}
