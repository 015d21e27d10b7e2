import { ROOT } from './paths.js';

/** What scripts/redis-server.mjs (plain JS, shared with the tests and the demo) returns. */
export interface PrivateRedis {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

interface RedisServerModule {
  startRedisServer(): Promise<PrivateRedis>;
}

/**
 * Starts a throw-away redis-server (persistence off) on a free port. Never a developer's Redis: the benchmark
 * FLUSHALLs between runs. Loaded by URL because the script lives outside the compiled tree.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const mod = (await import(new URL('scripts/redis-server.mjs', ROOT).href)) as RedisServerModule;
  return mod.startRedisServer();
}
