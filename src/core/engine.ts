import { DEFAULTS } from './model/defaults.js';
import { ReplicationTimeoutError } from './model/errors.js';
import { consoleLogger, type Logger } from './model/logger.js';
import { assertPrefix } from './model/names.js';
import { closeConnection, duplicateConnection, isCluster, openConnection, redisTimeMs, type ConnectionOption, type RedisClient } from './redis/connection.js';
import { JobIdIndex } from './redis/job-id-index.js';
import { KeySpace, type QueueKeys } from './redis/keys.js';
import { OutboxDeliverer } from './redis/outbox.js';
import { runScript, type ScriptName, type ScriptReply } from './redis/scripts.js';
import { ensureServer, serverChecked } from './redis/server-check.js';

export interface EngineOptions {
  /** Redis URL, ioredis options or instance (Redis or Cluster), or a cluster's nodes. Default: REDIS_URL, else redis://127.0.0.1:6379. */
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
  readonly redis: RedisClient;
  /** The connection is to a Redis Cluster. */
  readonly cluster: boolean;
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
    this.cluster = isCluster(conn.redis);
    this.owned = conn.owned;
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
    return duplicateConnection(this.redis, (err) => this.logger.error(`Redis connection error: ${err.message}`));
  }

  /** Redis's clock, in ms, as `queue`'s scripts read it (on a cluster, the clock of the node that holds the queue). */
  timeMs(queue: string): Promise<number> {
    return redisTimeMs(this.redis, this.keys.queue(queue).meta);
  }

  /** Closes the command connection if the engine opened it. */
  async close(): Promise<void> {
    if (this.owned) await closeConnection(this.redis);
  }
}

/** ioredis gave up redirecting a command that no node ran (its last error was a refusal, not a lost connection). */
function notRun(err: Error): boolean {
  return /^Too many Cluster redirections\. Last error: (?:ReplyError: )?(?:TRYAGAIN|MOVED|ASK|CLUSTERDOWN)\b/.test(err.message);
}
