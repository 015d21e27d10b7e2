import type { Redis } from 'ioredis';
import { DEFAULTS } from './model/defaults.js';
import { consoleLogger, type Logger } from './model/logger.js';
import { assertPrefix } from './model/names.js';
import { closeConnection, duplicateConnection, openConnection, type ConnectionOption } from './redis/connection.js';
import { JobIdIndex } from './redis/job-id-index.js';
import { KeySpace, type QueueKeys } from './redis/keys.js';
import { OutboxDeliverer } from './redis/outbox.js';
import { setServerLogger } from './redis/redis-version.js';
import { runScript, type ScriptName, type ScriptReply } from './redis/scripts.js';

export interface EngineOptions {
  /** Redis URL, ioredis options or instance. Default: REDIS_URL, else redis://127.0.0.1:6379. */
  connection?: ConnectionOption;
  /** Key namespace. Default 'jobline'. */
  prefix?: string;
  logger?: Logger;
}

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
  private readonly owned: boolean;

  constructor(options: EngineOptions) {
    const prefix = options.prefix ?? DEFAULTS.PREFIX;
    assertPrefix(prefix);
    this.logger = options.logger ?? consoleLogger;
    this.keys = new KeySpace(prefix);
    const conn = openConnection(options.connection, (err) => this.logger.error(`Redis connection error: ${err.message}`));
    this.redis = conn.redis;
    this.owned = conn.owned;
    setServerLogger(this.redis, this.logger);
    this.outbox = new OutboxDeliverer(this.redis, this.keys);
    this.ids = new JobIdIndex(this.redis, this.keys);
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
    return duplicateConnection(this.redis, (err) => this.logger.error(`Redis connection error: ${err.message}`));
  }

  /** Redis's clock, in ms (the one clock every process shares). */
  async timeMs(): Promise<number> {
    const [sec, usec] = await this.redis.time();
    return Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
  }

  /** Closes the command connection if the engine opened it. */
  async close(): Promise<void> {
    if (this.owned) await closeConnection(this.redis);
  }
}
