// The cluster pass: builds dist/ (test/setup/build.js) and starts the private 3-master Redis Cluster (no replicas:
// tests that kill a master start their own) that every test file of this pass runs against; its nodes reach the
// test files through test/setup/target-cluster.js.
import { startRedisCluster } from '../../scripts/redis-cluster.mjs';
import { buildOnce } from './build.js';

export default async function clusterSetup() {
  buildOnce();
  // a maxmemory on every node, as on the single server (global-setup.js): else workers warn about unbounded retention
  const cluster = await startRedisCluster({ masters: 3, args: ['--maxmemory', '2gb'] });
  globalThis.__JOBLINE_CLUSTER__ = cluster;
  process.env.JOBLINE_TEST_CLUSTER = JSON.stringify(cluster.describe());
}
