import type { RedisClusterHandle, StartRedisClusterOptions } from '../scripts/redis-cluster.mjs';
import { ROOT } from './paths.js';

interface RedisClusterModule {
  startRedisCluster(options?: StartRedisClusterOptions): Promise<RedisClusterHandle>;
}

/**
 * Starts a throw-away Redis Cluster (scripts/redis-cluster.mjs: private redis-servers on free ports). Loaded by URL
 * because the script lives outside the compiled tree.
 */
export async function startPrivateCluster(options?: StartRedisClusterOptions): Promise<RedisClusterHandle> {
  const mod = (await import(new URL('scripts/redis-cluster.mjs', ROOT).href)) as RedisClusterModule;
  return mod.startRedisCluster(options);
}
