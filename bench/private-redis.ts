import { Redis } from 'ioredis';
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
  const server = await mod.startRedisServer();
  // bounded as a production Redis should be (Jobline warns at each worker's start otherwise); far above any scenario's use
  const admin = new Redis(server.url);
  try {
    await admin.config('SET', 'maxmemory', '12gb');
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
  } finally {
    admin.disconnect();
  }
  return server;
}
