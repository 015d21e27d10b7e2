import type { Redis } from 'ioredis';
import { RedisVersionError } from '../model/errors.js';

/** The oldest Redis whose commands the scripts use (LPOP with a count, ZADD GT, SMISMEMBER). */
const MIN_VERSION: readonly [number, number] = [6, 2];

const checked = new WeakMap<Redis, Promise<void>>();
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
