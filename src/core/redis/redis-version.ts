import type { Redis } from 'ioredis';
import { RedisVersionError } from '../model/errors.js';
import type { Logger } from '../model/logger.js';

/** The oldest Redis whose commands the scripts use (LPOP with a count, ZADD GT, SMISMEMBER). */
const MIN_VERSION: readonly [number, number] = [6, 2];

const checked = new WeakMap<Redis, Promise<void>>();
/** Where to warn about a connection's server (its engine's logger): setServerLogger. */
const loggers = new WeakMap<Redis, Logger>();

/** Names the logger that warns about this connection's server (an eviction policy that may drop jobs). */
export function setServerLogger(redis: Redis, logger: Logger): void {
  loggers.set(redis, logger);
}
const passed = new WeakSet<Redis>();

/** True once the check has passed for this connection: callers then skip the await (and keep their sends in order). */
export function redisVersionPassed(redis: Redis): boolean {
  return passed.has(redis);
}

/** Whether `version` ("7.0.15") is at least MIN_VERSION. */
export function supportedRedisVersion(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > MIN_VERSION[0] || (major === MIN_VERSION[0] && minor >= MIN_VERSION[1]);
}

/**
 * Resolves once the server behind `redis` is known to run the scripts, asking it once per connection; rejects with
 * RedisVersionError for an older one, so a user gets one clear message instead of a script error from deep inside.
 * A server whose ACL forbids INFO is given the benefit of the doubt. A refusal, or INFO failing for another reason
 * (Redis away), is not remembered: the next call asks again, so an upgraded or returning server is used.
 */
export function ensureRedisVersion(redis: Redis): Promise<void> {
  let check = checked.get(redis);
  if (!check) {
    check = redis.info('server').then(
      (info) => {
        const version = /redis_version:(\S+)/.exec(info)?.[1];
        if (version && !supportedRedisVersion(version)) throw new RedisVersionError(version);
        passed.add(redis);
        void warnIfEvicting(redis);
      },
      (err: Error) => {
        if (!/NOPERM/.test(err.message)) throw err;
        passed.add(redis);
      },
    );
    check.catch(() => checked.delete(redis));
    checked.set(redis, check);
  }
  return check;
}

/**
 * Warns once per connection (with its first script) when the server may evict keys: under any maxmemory-policy but
 * noeviction, Redis drops keys at maxmemory, and a dropped job hash, queue or held set loses jobs silently. Read from
 * INFO memory (CONFIG GET is often refused on managed servers); a server that refuses INFO is not warned about.
 */
async function warnIfEvicting(redis: Redis): Promise<void> {
  const logger = loggers.get(redis);
  if (!logger) return;
  let policy: string | undefined;
  try {
    policy = /maxmemory_policy:(\S+)/.exec(await redis.info('memory'))?.[1];
  } catch {
    return;
  }
  if (policy && policy !== 'noeviction') {
    logger.warn(
      `Redis evicts keys at maxmemory (maxmemory-policy is ${policy}): it may drop jobs. Set maxmemory-policy to noeviction ` +
        '(CONFIG SET maxmemory-policy noeviction, or in redis.conf); at maxmemory Jobline then refuses new jobs with RedisOutOfMemoryError and keeps the ones it has.',
    );
  }
}
