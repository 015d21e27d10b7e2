import { RedisUnavailableError } from '../model/errors.js';
import type { Logger } from '../model/logger.js';
import { isCluster, type RedisClient } from './connection.js';

/**
 * Where a connection points, for messages: a URL without credentials, the unix socket path, or a cluster's startup
 * nodes.
 */
export function redisAddress(redis: RedisClient): string {
  if (isCluster(redis)) {
    const nodes = ((redis as unknown as { startupNodes?: unknown[] }).startupNodes ?? []).map((n) =>
      typeof n === 'object' && n !== null ? `${(n as { host?: string }).host ?? '127.0.0.1'}:${(n as { port?: number }).port ?? 6379}` : String(n),
    );
    return `cluster ${nodes.join(',')}`;
  }
  const o = redis.options;
  if (o.path) return `unix:${o.path}`;
  const scheme = o.tls ? 'rediss' : 'redis';
  return `${scheme}://${o.host ?? '127.0.0.1'}:${o.port ?? 6379}${o.db ? `/${o.db}` : ''}`;
}

/**
 * Whether Redis answers, as the engine's connections see it, said once per outage instead of once per reconnect
 * attempt: the first error of the command connection (or one that never connected) logs that Redis is unreachable
 * and what Jobline does meanwhile; its next `ready` logs that it answers again. Errors of the other connections
 * (blocking reads, pub/sub) are logged only while the command connection is up, once per outage of each.
 * Producers ask `whenReady` before they send, so an enqueue fails in bounded time instead of waiting in ioredis's
 * offline queue for its whole retry window.
 */
export class RedisAvailability {
  readonly address: string;
  private down = false;
  private downSince = 0;
  private lastError: string | undefined;
  private readonly quietDuplicates = new WeakSet<RedisClient>();

  constructor(
    private readonly redis: RedisClient,
    private readonly logger: Logger,
  ) {
    this.address = redisAddress(redis);
    redis.on('error', (err: Error) => this.onError(err));
    redis.on('ready', () => this.onReady());
  }

  /** True while the command connection is connected and ready. */
  get isReady(): boolean {
    return this.redis.status === 'ready';
  }

  /** True from the command connection's first error until it is ready again (the outage was logged). */
  get isDown(): boolean {
    return this.down;
  }

  /** The command connection's last error while Redis was unreachable (ECONNREFUSED...), if any. */
  get reason(): string | undefined {
    return this.down ? this.lastError : undefined;
  }

  private onError(err: Error): void {
    this.lastError = err.message;
    if (this.down || this.redis.status === 'ready') {
      // an error on a working connection (a reply error is not emitted here): say it, but not once per retry
      if (!this.down) this.logger.error(`Redis connection error at ${this.address}: ${err.message}`);
      return;
    }
    this.down = true;
    this.downSince = Date.now();
    this.logger.error(
      `Redis at ${this.address} is unreachable (${err.message}). Workers wait for it and resume when it answers; ` +
        'enqueue fails with RedisUnavailableError after `enqueueTimeout`. Check that Redis runs and that `connection` ' +
        '(or REDIS_URL) points at it.',
    );
  }

  private onReady(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.log(`Redis at ${this.address} answers again (after ${((Date.now() - this.downSince) / 1000).toFixed(1)}s).`);
  }

  /** Reports a second connection's errors (see the class comment). */
  watch(dup: RedisClient): void {
    dup.on('error', (err: Error) => {
      if (this.down || this.quietDuplicates.has(dup)) return;
      this.quietDuplicates.add(dup);
      this.logger.error(`Redis connection error at ${this.address}: ${err.message}`);
    });
    dup.on('ready', () => this.quietDuplicates.delete(dup));
  }

  /**
   * Resolves at once when the command connection is ready; else once it is, or rejects with RedisUnavailableError
   * after `timeoutMs` (nothing having been sent).
   */
  whenReady(timeoutMs: number): Promise<void> {
    if (this.redis.status === 'ready') return Promise.resolve();
    if (this.redis.status === 'end') return Promise.reject(new RedisUnavailableError(this.address, 0, false, 'the connection was closed'));
    return new Promise((resolve, reject) => {
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.redis.off('ready', onReady);
        reject(new RedisUnavailableError(this.address, timeoutMs, false, this.lastError));
      }, timeoutMs);
      this.redis.once('ready', onReady);
    });
  }

  /**
   * Settles as `work` does, or rejects with RedisUnavailableError when the command connection is found down at the
   * end of a `timeoutMs` period (it dropped with the command in flight; ioredis would otherwise hold the command for
   * its whole retry window). A slow Redis that stays connected (a very large enqueueMany) is waited for.
   */
  bounded<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout;
      const check = () => {
        if (this.redis.status === 'ready') timer = setTimeout(check, timeoutMs);
        else reject(new RedisUnavailableError(this.address, timeoutMs, true, this.lastError));
      };
      timer = setTimeout(check, timeoutMs);
      work.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }
}
