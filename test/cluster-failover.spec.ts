import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRedisCluster, type RedisClusterHandle } from '../scripts/redis-cluster.mjs';
import { HandlerRegistry, QueueClient, ReplicationTimeoutError, Worker, type JobContext, type JobHandle, type QueueClientOptions } from '../src/index.js';
import { sleep, uniquePrefix } from './helpers.js';
import { masterOf, queueSlot, queuesOnEachMaster } from './cluster-util.js';

// A master killed mid-run (SIGKILL), with a replica per master: producers and workers ride out the failover and go
// on. Replication is asynchronous, so what the dead master acknowledged but had not yet sent to its replica can be
// lost; waitForReplicas (Redis WAIT) makes an enqueue resolve only once a replica has it.
describe('Redis Cluster: a master fails while jobs flow', () => {
  let cluster: RedisClusterHandle;
  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
  });
  afterAll(() => cluster?.stop());

  /**
   * Produces jobs round-robin to `queues` (one per master) with a worker on all of them, kills the master of
   * `victim` once `before` jobs are acknowledged, waits for its replica to take over, produces `after` more, then
   * waits for every job to end. Returns what was acknowledged, lost (acknowledged, gone), and run more than once.
   */
  async function runThroughFailover(queues: string[], victim: string, options: Partial<QueueClientOptions>, before = 300, after = 300) {
    let notReplicated = 0;
    const runs = new Map<string, number>();
    const registry = new HandlerRegistry();
    registry.register({ name: 'count', source: 'test', defaults: {}, handle: (_d: unknown, ctx: JobContext) => void runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1) });
    const warnings: string[] = [];
    const logger = { log: () => undefined, warn: (m: string) => void warnings.push(m), error: (m: string) => void warnings.push(m) };
    const client = new QueueClient({ connection: { cluster: cluster.nodes }, prefix: uniquePrefix('failover'), registry, logger, ...options });
    const worker = new Worker(client, registry, { queues, concurrency: 20, leaseTime: '3s' });
    worker.start();
    const acked: JobHandle[] = [];
    const failures: unknown[] = [];
    let failedOverAt = -1;
    try {
      const produce = async (count: number) => {
        for (let i = 0; i < count; i++) {
          const k = acked.length + failures.length;
          for (;;) {
            try {
              acked.push(await client.enqueue('count', k, { queue: queues[k % queues.length], jobId: `f-${k}` }));
              break;
            } catch (err) {
              // stored on a master no replica confirmed in time (the new master has none until the old one is
              // back): enqueueing the same jobId again is the documented way to be sure
              if (!(err instanceof ReplicationTimeoutError)) {
                failures.push(err);
                break;
              }
              notReplicated++;
              await sleep(100);
            }
          }
        }
      };
      await produce(before);
      const port = masterOf(await cluster.topology(), queueSlot(victim)).port;
      const { replicas } = await cluster.killMaster(port);
      expect(replicas.length).toBe(1);
      // producing goes on while the replica takes over (calls to the dead master wait and are retried)
      const during = produce(after / 2);
      await cluster.waitForFailover();
      // the old master comes back as the new one's replica
      await cluster.restartNode(port);
      await during;
      failedOverAt = acked.length;
      await produce(after / 2);
      const lost: string[] = [];
      for (const h of acked) {
        const status = await h.getStatus().catch(() => 'missing');
        if (status === 'missing') lost.push(h.id);
        else await h.result({ timeout: '30s' });
      }
      const doubled = [...runs].filter(([, n]) => n > 1).map(([id]) => id);
      await worker.close();
      const statuses = await Promise.all(acked.map((h) => h.getStatus().catch(() => 'missing')));
      return { acked, failures, lost, doubled, failedOverAt, runs, warnings, notReplicated, statuses };
    } finally {
      await worker.close();
      await client.close();
    }
  }

  it('producers and workers go on through the failover; only what the dead master had not replicated can be lost', async () => {
    const queues = queuesOnEachMaster(await cluster.topology(), 'fo');
    const r = await runThroughFailover(queues, queues[0]!, {});
    // no call failed: the calls to the dead master waited for its replica
    expect(r.failures).toEqual([]);
    // every job that exists ended, once or (an outcome the dead master lost) again; none stayed queued or started
    expect(new Set(r.statuses.filter((_, i) => !r.lost.includes(r.acked[i]!.id)))).toEqual(new Set(['finished']));
    expect(r.acked.filter((h) => !r.lost.includes(h.id)).every((h) => (r.runs.get(h.id) ?? 0) >= 1)).toBe(true);
    // everything enqueued once the replica had taken over is there and ran
    expect(r.acked.slice(r.failedOverAt).filter((h) => r.lost.includes(h.id))).toEqual([]);
    // what the dead master took with it can only be jobs of its own queue, acknowledged before the failover
    expect(r.lost.every((id) => r.acked.findIndex((h) => h.id === id) < r.failedOverAt && r.acked.find((h) => h.id === id)!.queue === queues[0])).toBe(true);
    console.log(`failover without WAIT: ${r.acked.length} acknowledged, ${r.lost.length} lost, ${r.doubled.length} run twice`);
  }, 120_000);

  it('with waitForReplicas, every acknowledged enqueue survives the failover', async () => {
    const queues = queuesOnEachMaster(await cluster.topology(), 'fw');
    // another master (the last test's victim came back as its replica, so every master has one)
    const r = await runThroughFailover(queues, queues[1]!, { waitForReplicas: { replicas: 1, timeout: '2s' } });
    expect(r.failures).toEqual([]);
    expect(r.lost).toEqual([]);
    expect(new Set(r.statuses)).toEqual(new Set(['finished']));
    console.log(`failover with waitForReplicas 1: ${r.acked.length} acknowledged, ${r.lost.length} lost, ${r.doubled.length} run twice, ${r.notReplicated} enqueue(s) not confirmed in time and repeated`);
  }, 120_000);

  it('waitForReplicas: an enqueue no replica confirms in time rejects with ReplicationTimeoutError, and the same jobId again is safe', async () => {
    const [queue] = queuesOnEachMaster(await cluster.topology(), 'fr');
    const topology = await cluster.topology();
    const master = masterOf(topology, queueSlot(queue!));
    const replica = topology.find((n) => n.role === 'replica' && n.masterPort === master.port)!;
    const dir = cluster.describe().nodes.find((n) => n.port === replica.port)!.dir;
    const pid = Number(readFileSync(join(dir, 'redis.pid'), 'utf8').trim());
    const client = new QueueClient({ connection: { cluster: cluster.nodes }, prefix: uniquePrefix('wait'), waitForReplicas: { replicas: 1, timeout: '300ms' } });
    try {
      expect((await client.enqueue('j', 1, { queue, jobId: 'confirmed' })).id).toBe('confirmed');
      process.kill(pid, 'SIGSTOP'); // the replica stops acknowledging
      try {
        const err = await client.enqueue('j', 2, { queue, jobId: 'unconfirmed' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ReplicationTimeoutError);
        expect(err).toMatchObject({ acknowledged: 0, wanted: 1, message: expect.stringMatching(/only 0 of the 1 replica\(s\).*within 300 ms.*Enqueue again with the same jobId/) });
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      // stored on the master all along: enqueueing it again returns that job, now confirmed
      const again = await client.enqueue('j', 3, { queue, jobId: 'unconfirmed' });
      expect((await again.info()).data).toBe(2);
    } finally {
      await client.close();
    }
  });
});
