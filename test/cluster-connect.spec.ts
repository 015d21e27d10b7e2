import { execFile } from 'node:child_process';
import { Cluster } from 'ioredis';
import { startRedisServer } from '../scripts/redis-server.mjs';
import { ClusterConnectionError, HandlerRegistry, InvalidOptionError, QueueClient, Worker } from '../src/index.js';
import { clusterNodes, uniquePrefix } from './helpers.js';
import { testCluster } from './cluster-util.js';

// How a Redis Cluster is given to Jobline, and what happens when the connection does not match the server.
describe('Redis Cluster connections', () => {
  const cluster = testCluster();
  afterAll(() => cluster.close());

  it('takes { cluster: nodes } and an ioredis Cluster (which it does not close)', async () => {
    const registry = new HandlerRegistry();
    registry.register({ name: 'sq', source: 'test', defaults: {}, handle: (n) => (n as number) ** 2 });
    const byNodes = new QueueClient({ connection: { cluster: [clusterNodes()[0]!] }, prefix: uniquePrefix('cc-nodes'), registry });
    const mine = new Cluster(clusterNodes());
    const byInstance = new QueueClient({ connection: mine, prefix: uniquePrefix('cc-inst'), registry });
    try {
      for (const client of [byNodes, byInstance]) {
        const w = new Worker(client, registry, { queues: ['default'] });
        w.start();
        const h = await client.enqueue('sq', 7);
        expect(await h.result({ timeout: '10s' })).toBe(49);
        expect((await client.getJob(h.id))?.queue).toBe('default');
        await w.close();
      }
    } finally {
      await byNodes.close();
      await byInstance.close();
    }
    expect(mine.status).toBe('ready'); // the caller's Cluster stays open
    mine.disconnect();
  });

  it('refuses a malformed cluster option with a clear error, before connecting', () => {
    const bad = [{ cluster: [] }, { cluster: 'localhost:7000' }, { cluster: [{ host: 'x' }] }, { cluster: [{ host: 'x', port: 1 }], options: 'fast' }];
    for (const connection of bad) {
      expect(() => new QueueClient({ connection: connection as never })).toThrow(InvalidOptionError);
    }
    expect(() => new QueueClient({ connection: { cluster: [] } })).toThrow(/`connection.cluster`: got \[\]; expected a non-empty array of cluster nodes/);
  });

  it('refuses a single-node connection to a cluster node with ClusterConnectionError, storing nothing', async () => {
    const [node] = clusterNodes();
    const client = new QueueClient({ connection: `redis://${node!.host}:${node!.port}`, prefix: uniquePrefix('cc-single') });
    try {
      await expect(client.enqueue('any')).rejects.toBeInstanceOf(ClusterConnectionError);
      await expect(client.enqueue('any', null, { jobId: 'chosen' })).rejects.toThrow(/is a node of a Redis Cluster \(INFO cluster: cluster_enabled:1\).*connection: \{ cluster: \[\{ host, port \}/);
      await expect(client.getJob('chosen')).rejects.toBeInstanceOf(ClusterConnectionError);
    } finally {
      await client.close();
    }
  });

  it('refuses a cluster connection to a server that is not in cluster mode, instead of retrying for ever', async () => {
    const server = await startRedisServer();
    const port = Number(new URL(server.url).port);
    const client = new QueueClient({ connection: { cluster: [{ host: '127.0.0.1', port }] }, prefix: uniquePrefix('cc-standalone'), logger: quiet });
    try {
      await expect(client.enqueue('any')).rejects.toThrow(new RegExp(`127\\.0\\.0\\.1:${port} is not in cluster mode \\(INFO cluster: cluster_enabled:0\\).*Pass its URL`));
    } finally {
      await client.close();
      await server.stop();
    }
  });

  it('the command line connects to the cluster by --cluster and reads a queue on any node', async () => {
    const prefix = uniquePrefix('cc-cli');
    const client = new QueueClient({ connection: { cluster: clusterNodes() }, prefix });
    try {
      await client.enqueue('anything', { n: 1 }, { queue: 'cli-reads' });
      const nodes = clusterNodes().map((n) => `${n.host}:${n.port}`).join(',');
      const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, ['dist/cli/main.js', '--cluster', nodes, '--prefix', prefix, 'queues', '--json'], { env: { ...process.env, JOBLINE_CLUSTER_NODES: '' }, timeout: 60_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
        ),
      );
      expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
      const { queues } = JSON.parse(run.stdout) as { queues: { name: string; counts: Record<string, number> }[] };
      expect(queues.map((q) => [q.name, q.counts.queued])).toEqual([['cli-reads', 1]]);
    } finally {
      await client.close();
    }
  }, 90_000);
});

/** A logger for a client whose connection errors are the point of the test. */
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
