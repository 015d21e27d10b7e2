import calculateSlot from 'cluster-key-slot';
import type { ClusterTopologyNode, RedisClusterHandle } from '../scripts/redis-cluster.mjs';
import { attachRedisCluster } from '../scripts/redis-cluster.mjs';

/** The test cluster the cluster pass's setup started (test/setup/cluster-setup.js), to look at or drive. */
export function testCluster(): RedisClusterHandle {
  const description = process.env.JOBLINE_TEST_CLUSTER;
  if (!description) throw new Error('JOBLINE_TEST_CLUSTER is not set: cluster specs run in the cluster pass of `npm test`');
  return attachRedisCluster(description);
}

/** The master serving `slot` in `topology`. */
export function masterOf(topology: ClusterTopologyNode[], slot: number): ClusterTopologyNode {
  const m = topology.find((n) => n.role === 'master' && n.slots.some(([a, b]) => slot >= a && slot <= b));
  if (!m) throw new Error(`no master serves slot ${slot}`);
  return m;
}

/** The slot of a queue's keys (`<prefix>:{<queue>}:...`). */
export function queueSlot(queue: string): number {
  return calculateSlot(queue);
}

/**
 * One queue name per master, in the masters' port order: `<stem><n>` for the first n whose slot that master serves,
 * so a test's queues live on different nodes whatever the slot map.
 */
export function queuesOnEachMaster(topology: ClusterTopologyNode[], stem: string): string[] {
  const masters = topology.filter((n) => n.role === 'master').sort((a, b) => a.port - b.port);
  return masters.map((m) => {
    for (let n = 0; n < 10_000; n++) {
      const q = `${stem}${n}`;
      if (masterOf(topology, queueSlot(q)).port === m.port) return q;
    }
    throw new Error(`no queue name ${stem}<n> lands on port ${m.port}`);
  });
}
