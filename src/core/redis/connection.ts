import { Redis, type RedisOptions } from 'ioredis';
import { InvalidOptionError } from '../model/errors.js';

/** A Redis URL, ioredis options, or a ready ioredis instance (which Jobline then does not close). */
export type ConnectionOption = string | RedisOptions | Redis;

export interface OwnedConnection {
  redis: Redis;
  /** True when Jobline created it and so closes it. */
  owned: boolean;
}

export function defaultRedisUrl(): string {
  return process.env.REDIS_URL || 'redis://127.0.0.1:6379';
}

/** Opens (or adopts) the command connection; its errors are reported by RedisAvailability (availability.ts). */
export function openConnection(connection: ConnectionOption | undefined): OwnedConnection {
  if (connection instanceof Redis) return { redis: connection, owned: false };
  let redis: Redis;
  if (connection === undefined || typeof connection === 'string') {
    const url = connection ?? defaultRedisUrl();
    if (!/^rediss?:\/\//.test(url) && !url.startsWith('/')) {
      throw new InvalidOptionError('connection', url, 'a redis:// or rediss:// URL, ioredis options, or an ioredis instance');
    }
    redis = new Redis(url);
  } else if (typeof connection === 'object' && connection !== null) {
    redis = new Redis(connection);
  } else {
    throw new InvalidOptionError('connection', connection, 'a redis:// URL, ioredis options, or an ioredis instance');
  }
  return { redis, owned: true };
}

/**
 * Makes `redis` (and the connections duplicated from it later) ask a Redis that is still loading its data again at
 * least every `ms`. ioredis waits Redis's own estimate of the load (up to 10 s by default) before asking again, an
 * estimate that can be far off: a worker's connection then came back seconds after Redis did, past its lease, and
 * other workers ran its jobs again. Only lowers it: another worker on the same client may have a shorter lease.
 */
export function limitLoadingWait(redis: Redis, ms: number): void {
  const current = redis.options.maxLoadingRetryTime;
  if (!current || current > ms) redis.options.maxLoadingRetryTime = ms;
}

/** Closes a connection Jobline owns (QUIT when it is up, else drop it) and resolves once it has fully ended. */
export async function closeConnection(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
  if (redis.status === 'ready') {
    await redis.quit().catch(() => redis.disconnect());
  } else {
    redis.disconnect();
  }
  // 'end' follows the socket's close; never wait on it forever
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([ended, new Promise<void>((r) => (timer = setTimeout(r, 2000)))]);
  clearTimeout(timer);
}
