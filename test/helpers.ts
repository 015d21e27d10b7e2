import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import type { ConnectionOption } from '../src/index.js';

/**
 * Every test file runs twice (jest.config.js): against one private redis-server (REDIS_URL) and against a private
 * 3-master Redis Cluster (JOBLINE_CLUSTER_NODES, set for that pass by test/setup/target-cluster.js), both started by
 * the global setup. These helpers give each file the connection of its pass.
 */
export function onCluster(): boolean {
  return !!process.env.JOBLINE_CLUSTER_NODES;
}

/** The nodes of the test cluster (cluster pass only). */
export function clusterNodes(): { host: string; port: number }[] {
  const nodes = process.env.JOBLINE_CLUSTER_NODES;
  if (!nodes) throw new Error('JOBLINE_CLUSTER_NODES is not set: this is the single-Redis pass');
  return JSON.parse(nodes) as { host: string; port: number }[];
}

/** The private test Redis started by test/setup/global-setup.js. */
export function redisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: run the tests through `npm test`, which starts redis-server');
  return url;
}

/** What a QueueClient of this pass connects with: the single server's URL, or the cluster's nodes. */
export function testConnection(): ConnectionOption {
  return onCluster() ? { cluster: clusterNodes() } : redisUrl();
}

/** A key prefix no other test uses, so test files never see each other's jobs. */
export function uniquePrefix(label: string): string {
  return `t-${label}-${randomBytes(3).toString('hex')}`;
}

/** A plain connection of this pass, for looking at (or tampering with) the stored keys. */
export function rawRedis(): Redis | Cluster {
  return onCluster() ? new Cluster(clusterNodes()) : new Redis(redisUrl());
}

/** The servers behind a connection: the masters of a cluster (once it is ready), or the one Redis. */
export async function servers(redis: Redis | Cluster): Promise<Redis[]> {
  if (!(redis instanceof Cluster)) return [redis];
  await redis.ping(); // nodes() is empty until the cluster is ready
  return redis.nodes('master');
}

/** KEYS on every server (a cluster's keys are spread over its masters). */
export async function keysOf(redis: Redis | Cluster, pattern: string): Promise<string[]> {
  return (await Promise.all((await servers(redis)).map((s) => s.keys(pattern)))).flat().sort();
}

/** Subscribers of a per-queue channel (sharded on a cluster, where only the channel's master counts them). */
export async function subscribersOf(redis: Redis | Cluster, channel: string): Promise<number> {
  const sub = redis instanceof Cluster ? 'SHARDNUMSUB' : 'NUMSUB';
  const counts = await Promise.all((await servers(redis)).map(async (s) => Number(((await s.call('PUBSUB', sub, channel)) as [string, number])[1])));
  return counts.reduce((a, b) => a + b, 0);
}

/** Resolves after `ms`. Only for letting time pass in TTL/lease tests, never to wait for a job. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A promise with its resolve function, to wait for an event a handler reports. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves once `cond()` holds, checking every 20 ms; fails naming `what` after `ms`. For outcomes that take time. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
