import { RedisVersionError } from '../src/index.js';
import { ensureServer, supportedRedisVersion } from '../src/core/redis/server-check.js';
import { rawRedis } from './helpers.js';

describe('Redis version check', () => {
  const redis = rawRedis();
  afterAll(() => redis.disconnect());

  it('accepts 6.2 and newer, refuses older servers', () => {
    for (const v of ['6.2.0', '6.2.14', '7.0.15', '7.2.4', '8.0.0', '10.1.2']) expect(supportedRedisVersion(v)).toBe(true);
    for (const v of ['5.0.7', '6.0.16', '6.1.9', '4.0.14']) expect(supportedRedisVersion(v)).toBe(false);
  });

  it('passes against the test server, and names the version and the fix when it refuses', async () => {
    await expect(ensureServer(redis)).resolves.toBeUndefined();
    const err = new RedisVersionError('5.0.7');
    expect(err).toBeInstanceOf(RedisVersionError);
    expect(err.message).toMatch(/needs Redis 6\.2 or newer.*runs 5\.0\.7.*Upgrade the server/);
  });
});
