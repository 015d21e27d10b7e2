import { Redis, type Cluster } from 'ioredis';
import { ClusterConnectionError, RedisVersionError } from '../model/errors.js';
import type { Logger } from '../model/logger.js';
import { isCluster, type RedisClient } from './connection.js';

/** The oldest Redis whose commands the scripts use (LPOP with a count, ZADD GT, SMISMEMBER). */
const MIN_VERSION: readonly [number, number] = [6, 2];

const checked = new WeakMap<RedisClient, Promise<void>>();
const passed = new WeakSet<RedisClient>();
/** Where to warn about a connection's server (its engine's logger): setServerLogger. */
const loggers = new WeakMap<RedisClient, Logger>();

/** Names the logger that warns about this connection's server (an eviction policy that may drop jobs). */
export function setServerLogger(redis: RedisClient, logger: Logger): void {
  loggers.set(redis, logger);
}

/** True once the check has passed for this connection: callers then skip the await (and keep their sends in order). */
export function serverChecked(redis: RedisClient): boolean {
  return passed.has(redis);
}

/** Whether `version` ("7.0.15") is at least MIN_VERSION. */
export function supportedRedisVersion(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > MIN_VERSION[0] || (major === MIN_VERSION[0] && minor >= MIN_VERSION[1]);
}

/**
 * Resolves once the server behind `redis` is known to run the scripts, asking it once per connection: rejects with
 * RedisVersionError for an older one, and with ClusterConnectionError for a single-node connection to a node of a
 * Redis Cluster (it would answer MOVED for most queues, and a script that reached the right node by chance would still
 * use plain PUBLISH) or a cluster connection to servers that are not in cluster mode (ioredis would retry forever).
 * A server whose ACL forbids INFO is given the benefit of the doubt. A refusal, or INFO failing for another reason
 * (Redis away), is not remembered: the next call asks again, so an upgraded or returning server is used.
 */
export function ensureServer(redis: RedisClient): Promise<void> {
  let check = checked.get(redis);
  if (!check) {
    check = (isCluster(redis) ? clusterInfo(redis) : redis.info()).then(
      (info) => {
        const version = /redis_version:(\S+)/.exec(info)?.[1];
        if (version && !supportedRedisVersion(version)) throw new RedisVersionError(version);
        if (!isCluster(redis) && /cluster_enabled:1/.test(info)) throw ClusterConnectionError.singleNode(address(redis));
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
 * INFO memory (CONFIG GET is often refused on managed servers); a server that refuses INFO is not warned about. On a
 * cluster every master is asked: each holds its own queues.
 */
async function warnIfEvicting(redis: RedisClient): Promise<void> {
  const logger = loggers.get(redis);
  if (!logger) return;
  const policies = new Set<string>();
  try {
    const nodes: Redis[] = isCluster(redis) ? redis.nodes('master') : [redis];
    for (const info of await Promise.all(nodes.map((n) => n.info('memory')))) {
      const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1];
      if (policy && policy !== 'noeviction') policies.add(policy);
    }
  } catch {
    return;
  }
  if (policies.size) {
    logger.warn(
      `Redis evicts keys at maxmemory (maxmemory-policy is ${[...policies].join(', ')}): it may drop jobs. Set maxmemory-policy to noeviction ` +
        '(CONFIG SET maxmemory-policy noeviction, or in redis.conf); at maxmemory Jobline then refuses new jobs with RedisOutOfMemoryError and keeps the ones it has.',
    );
  }
}

function address(redis: Redis): string {
  const o = redis.options;
  return o.path ? o.path : `${o.host ?? '127.0.0.1'}:${o.port ?? 6379}`;
}

/**
 * INFO from a node of the cluster. ioredis retries a cluster whose slot map it cannot read for ever, one error event
 * at a time; on the first such failure the startup nodes are asked directly, and a node that says it is not in
 * cluster mode (or none answering) ends the wait with a clear error.
 */
function clusterInfo(cluster: Cluster): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let settled = false;
    const done = () => {
      settled = true;
      cluster.off('error', onError);
    };
    const onError = (err: Error) => {
      if (settled || !/Failed to refresh slots cache|None of startup nodes is available/.test(err.message)) return;
      done();
      void probeStartupNodes(cluster).then(reject, reject);
    };
    cluster.on('error', onError);
    cluster.info().then(
      (info) => {
        if (settled) return;
        done();
        resolve(info);
      },
      (err: Error) => {
        if (settled) return;
        done();
        reject(err);
      },
    );
  });
}

/** Asks each startup node whether it runs in cluster mode; resolves with the error that explains the failure. */
async function probeStartupNodes(cluster: Cluster): Promise<Error> {
  const nodes = ((cluster as unknown as { startupNodes?: unknown }).startupNodes ?? []) as unknown[];
  const addresses = nodes.map(nodeAddress);
  for (const { host, port } of addresses) {
    const probe = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
    probe.on('error', () => undefined);
    try {
      if (/cluster_enabled:0/.test(await probe.info('cluster'))) return ClusterConnectionError.notACluster(`${host}:${port}`);
    } catch {
      // unreachable: try the next node
    } finally {
      probe.disconnect();
    }
  }
  return ClusterConnectionError.unreachable(addresses.map(({ host, port }) => `${host}:${port}`));
}

/** A startup node as ioredis takes it (a port, "host:port", a redis:// URL, or { host, port }). */
function nodeAddress(n: unknown): { host: string; port: number } {
  if (typeof n === 'number') return { host: '127.0.0.1', port: n };
  if (typeof n === 'string') {
    const m = /^(?:rediss?:\/\/)?(?:[^@/]*@)?([^:/]+)?(?::(\d+))?/.exec(n);
    return { host: m?.[1] ?? '127.0.0.1', port: Number(m?.[2] ?? 6379) };
  }
  const o = (n ?? {}) as { host?: string; port?: number };
  return { host: o.host ?? '127.0.0.1', port: o.port ?? 6379 };
}
