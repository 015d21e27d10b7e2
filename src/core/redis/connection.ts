import { Cluster, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from 'ioredis';
import { InvalidOptionError, RedisUnavailableError } from '../model/errors.js';
import { redisAddress } from './availability.js';

/** A Redis Cluster given by its nodes (any reachable ones: the rest is discovered), and ioredis Cluster options. */
export interface ClusterConnectionOptions {
  cluster: ClusterNode[];
  options?: ClusterOptions;
}

/**
 * A Redis URL, ioredis options, a ready ioredis instance (Redis or Cluster, which Jobline then does not close), or a
 * cluster's nodes.
 */
export type ConnectionOption = string | RedisOptions | Redis | Cluster | ClusterConnectionOptions;

/** A connection to one Redis or to a Redis Cluster: both take the same commands. */
export type RedisClient = Redis | Cluster;

export interface OwnedConnection {
  redis: RedisClient;
  /** True when Jobline created it and so closes it. */
  owned: boolean;
}

/**
 * Cluster settings Jobline uses unless the caller's options say otherwise. A command the cluster refuses for a moment
 * is tried again instead of failing: TRYAGAIN while its slot migrates (every Jobline script is refused for the whole
 * migration of its queue's slot, see scripts.ts), CLUSTERDOWN and closed connections while a replica takes over a
 * failed master (which takes about cluster-node-timeout plus an election). maxRedirections x retryDelayOnFailover is
 * about 20 s, beyond the 15 s default node timeout; the engine retries longer migrations itself (engine.ts).
 */
export const CLUSTER_DEFAULTS: ClusterOptions = {
  maxRedirections: 100,
  retryDelayOnTryAgain: 50,
  retryDelayOnFailover: 200,
  retryDelayOnClusterDown: 200,
  scaleReads: 'master',
};

export function defaultRedisUrl(): string {
  return process.env.REDIS_URL || 'redis://127.0.0.1:6379';
}

export function isCluster(redis: RedisClient): redis is Cluster {
  return redis instanceof Cluster;
}

function isClusterConnectionOptions(c: object): c is ClusterConnectionOptions {
  return 'cluster' in c;
}

const EXPECTED = 'a redis:// or rediss:// URL, ioredis options, an ioredis Redis or Cluster, or { cluster: [{ host, port }, ...], options? }';

/** Opens (or adopts) the command connection; its errors are reported by RedisAvailability (availability.ts). */
export function openConnection(connection: ConnectionOption | undefined): OwnedConnection {
  if (connection instanceof Redis || connection instanceof Cluster) return { redis: connection, owned: false };
  let redis: RedisClient;
  if (connection === undefined || typeof connection === 'string') {
    const url = connection ?? defaultRedisUrl();
    if (!/^rediss?:\/\//.test(url) && !url.startsWith('/')) throw new InvalidOptionError('connection', url, EXPECTED);
    redis = new Redis(url);
  } else if (typeof connection === 'object' && connection !== null) {
    if (isClusterConnectionOptions(connection)) {
      assertClusterNodes(connection);
      redis = new Cluster(connection.cluster, { ...CLUSTER_DEFAULTS, ...connection.options });
    } else {
      redis = new Redis(connection);
    }
  } else {
    throw new InvalidOptionError('connection', connection, EXPECTED);
  }
  return { redis, owned: true };
}

/**
 * Makes `redis` (and the connections duplicated from it later) ask a Redis that is still loading its data again at
 * least every `ms`. ioredis waits Redis's own estimate of the load (up to 10 s by default) before asking again, an
 * estimate that can be far off: a worker's connection then came back seconds after Redis did, past its lease, and
 * other workers ran its jobs again. Only lowers it: another worker on the same client may have a shorter lease. On a
 * cluster: its node connections open now and the clusters duplicated from it (ioredis copies its node options when
 * the cluster is made, so a node it connects to later keeps the default).
 */
export function limitLoadingWait(redis: RedisClient, ms: number): void {
  const lower = (o: { maxLoadingRetryTime?: number | undefined }) => {
    if (!o.maxLoadingRetryTime || o.maxLoadingRetryTime > ms) o.maxLoadingRetryTime = ms;
  };
  if (!isCluster(redis)) return lower(redis.options);
  lower((redis.options.redisOptions ??= {}));
  for (const node of redis.nodes()) lower(node.options);
}

function assertClusterNodes(c: ClusterConnectionOptions): void {
  const nodes = c.cluster;
  const node = (n: unknown) =>
    (typeof n === 'string' && n !== '') ||
    (typeof n === 'number' && Number.isInteger(n) && n > 0) ||
    (typeof n === 'object' && n !== null && Number.isInteger((n as { port?: unknown }).port) && ((n as { host?: unknown }).host === undefined || typeof (n as { host?: unknown }).host === 'string'));
  if (!Array.isArray(nodes) || nodes.length === 0 || !nodes.every(node)) {
    throw new InvalidOptionError('connection.cluster', nodes, 'a non-empty array of cluster nodes, each { host, port } (or "host:port")');
  }
  if (c.options !== undefined && (typeof c.options !== 'object' || c.options === null || Array.isArray(c.options))) {
    throw new InvalidOptionError('connection.options', c.options, 'ioredis Cluster options (an object), or nothing');
  }
}

/** A second connection with the same settings, for blocking reads or pub/sub. Always owned by the caller. */
export function duplicateConnection(redis: RedisClient): RedisClient {
  return isCluster(redis) ? redis.duplicate() : redis.duplicate();
}

/**
 * A connection that fails fast, for short-lived tools (the command line), to a Redis URL or a cluster's nodes:
 * connected (and answering PING) within `timeoutMs`, or rejected at once on a refused connection and after
 * `timeoutMs` on one that never answers; it does not reconnect, so a command never waits out a retry window. The
 * caller closes it.
 */
export async function connectOnce(target: string | ClusterConnectionOptions, timeoutMs: number): Promise<{ redis: RedisClient; address: string }> {
  let redis: RedisClient;
  if (typeof target === 'string') {
    if (!/^rediss?:\/\//.test(target) && !target.startsWith('/')) {
      throw new InvalidOptionError('connection', target, 'a redis:// or rediss:// URL, or a unix socket path');
    }
    redis = new Redis(target, { lazyConnect: true, connectTimeout: timeoutMs, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  } else {
    assertClusterNodes(target);
    redis = new Cluster(target.cluster, {
      ...CLUSTER_DEFAULTS,
      ...target.options,
      lazyConnect: true,
      clusterRetryStrategy: () => null,
      redisOptions: { ...target.options?.redisOptions, connectTimeout: timeoutMs, maxRetriesPerRequest: 0 },
    });
  }
  let lastError: string | undefined;
  redis.on('error', (err: Error) => (lastError = err.message)); // reported by the rejection below
  const address = redisAddress(redis);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs))),
    ]);
    return { redis, address };
  } catch (err) {
    redis.disconnect();
    throw new RedisUnavailableError(address, timeoutMs, false, lastError ?? (err as Error).message);
  } finally {
    clearTimeout(timer);
  }
}

/** Closes a connection Jobline owns (QUIT when it is up, else drop it) and resolves once it has fully ended. */
export async function closeConnection(redis: RedisClient): Promise<void> {
  if (redis.status === 'end') return;
  const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
  if (redis.status === 'ready') {
    await redis.quit().catch(() => redis.disconnect());
  } else {
    const waiting = redis.status === 'reconnecting';
    redis.disconnect();
    // a cluster still looking for its nodes stops at once and never reports 'end'; nor does a connection waiting to
    // reconnect (its socket is gone already: disconnect() only cancels the next attempt)
    if (isCluster(redis) || waiting) return;
  }
  // 'end' follows the socket's close; never wait on it forever
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([ended, new Promise<void>((r) => (timer = setTimeout(r, 2000)))]);
  clearTimeout(timer);
}

/**
 * Sends independent commands and resolves with their replies in order (an error reply rejects). On one Redis, one
 * pipeline (one round trip). On a cluster, each command on its own: a pipeline must stay within one node, and one
 * whose reads partly moved mid-migration is re-sent whole to the importing node by ioredis, which then answers
 * "missing" for the keys not moved yet.
 */
export async function sendAll(redis: RedisClient, commands: [name: string, ...args: (string | number)[]][]): Promise<unknown[]> {
  if (!commands.length) return [];
  if (isCluster(redis)) return Promise.all(commands.map(([name, ...args]) => redis.call(name, ...args)));
  const pipe = redis.pipeline();
  for (const [name, ...args] of commands) pipe.call(name, ...args);
  return ((await pipe.exec()) ?? []).map(([err, v]) => {
    if (err) throw err;
    return v;
  });
}

/**
 * Redis's clock in ms. On a cluster, from the node that holds `key` (each node has its own clock, and a queue's
 * scripts read their node's): a read-only script routed by the key, since TIME alone would go to any node.
 */
export async function redisTimeMs(redis: RedisClient, key: string): Promise<number> {
  if (!isCluster(redis)) {
    const [sec, usec] = await redis.time();
    return Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
  }
  if (!timeCommands.has(redis)) {
    // a command of its own (EVALSHA of a fixed text, loaded once per node), as the scripts are
    redis.defineCommand(TIME_COMMAND, { numberOfKeys: 1, lua: "local t = redis.call('TIME') return t[1] * 1000 + math.floor(t[2] / 1000)" });
    timeCommands.add(redis);
  }
  return Number(await (redis as unknown as Record<string, (key: string) => Promise<number>>)[TIME_COMMAND]!.call(redis, key));
}

const TIME_COMMAND = 'joblineNodeTimeMs';
const timeCommands = new WeakSet<Cluster>();
