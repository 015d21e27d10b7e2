import type { Redis } from 'ioredis';
import { DEFAULTS } from './model/defaults.js';
import { consoleLogger, type Logger } from './model/logger.js';
import { assertPrefix } from './model/names.js';
import { EventStreamWriter, streamMaxLen, type EventStreamOption } from './events/event-stream.js';
import { JobEvents } from './events/job-events.js';
import { toMs, type Duration } from './model/duration.js';
import { InvalidOptionError } from './model/errors.js';
import { RedisAvailability } from './redis/availability.js';
import { closeConnection, openConnection, type ConnectionOption } from './redis/connection.js';
import { JobIdIndex } from './redis/job-id-index.js';
import { KeySpace, type QueueKeys } from './redis/keys.js';
import { OutboxDeliverer } from './redis/outbox.js';
import { setServerLogger } from './redis/redis-version.js';
import { runScript, type ScriptName, type ScriptReply } from './redis/scripts.js';
import { QueueRetention } from './model/retention.js';

export interface EngineOptions {
  /** Redis URL, ioredis options or instance. Default: REDIS_URL, else redis://127.0.0.1:6379. */
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
  /** Queue-level retention caps of ended jobs (QueueClientOptions.queues, defaultJobOptions.keep). Default: none. */
  retention?: QueueRetention;
}

/** How long an enqueue waits for Redis by default. */
const DEFAULT_ENQUEUE_TIMEOUT_MS = 5000;

/**
 * The one context every part of the engine is handed: the command connection, the keys of this prefix, the scripts,
 * the logger, and the two services every state change may need (the outbox to other queues, the id index).
 */
export class Engine {
  readonly redis: Redis;
  readonly keys: KeySpace;
  readonly logger: Logger;
  readonly outbox: OutboxDeliverer;
  readonly ids: JobIdIndex;
  /** Whether Redis answers; logs an outage once; bounds how long producers wait. */
  readonly availability: RedisAvailability;
  /** This process's job events (completed, failed, ...): listeners, the failure log, the stream writer. */
  readonly events: JobEvents;
  readonly enqueueTimeoutMs: number;
  /** The queue-level caps of ended jobs (model/retention.ts). */
  readonly retention: QueueRetention;
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
    const maxLen = streamMaxLen(options.eventStream);
    const conn = openConnection(options.connection);
    this.redis = conn.redis;
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
    this.retention = options.retention ?? new QueueRetention({}, new Map());
  }

  get prefix(): string {
    return this.keys.prefix;
  }

  queue(name: string): QueueKeys {
    return this.keys.queue(name);
  }

  /** Runs a script on `queue` (see redis/scripts.ts); `dynamic` gives declared keys named by the call. */
  run(name: ScriptName, queue: string, args: (string | number)[], dynamic?: Record<string, string>): Promise<ScriptReply> {
    return runScript(this.redis, name, this.keys.queue(queue), args, dynamic);
  }

  /** A second connection with the same settings, for blocking reads or pub/sub; the caller closes it. */
  connection(): Redis {
    const dup = this.redis.duplicate();
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

  /** Redis's clock, in ms (the one clock every process shares). */
  async timeMs(): Promise<number> {
    const [sec, usec] = await this.redis.time();
    return Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
  }

  /** Writes the events still pending, then closes the command connection if the engine opened it. */
  async close(): Promise<void> {
    await this.stream?.drain();
    if (this.owned) await closeConnection(this.redis);
  }
}
