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

export function openConnection(connection: ConnectionOption | undefined, onError: (err: Error) => void): OwnedConnection {
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
  redis.on('error', onError);
  return { redis, owned: true };
}

/** A second connection with the same settings, for blocking reads or pub/sub. Always owned by the caller. */
export function duplicateConnection(redis: Redis, onError: (err: Error) => void): Redis {
  const dup = redis.duplicate();
  dup.on('error', onError);
  return dup;
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
