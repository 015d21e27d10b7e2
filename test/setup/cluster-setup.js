// The cluster pass: builds dist/ (test/setup/build.js) and starts the private 3-master Redis Cluster (no replicas:
// tests that kill a master start their own) that every test file of this pass runs against; its nodes reach the
// test files through test/setup/target-cluster.js.
import { startRedisServer } from '../../scripts/redis-server.mjs';
import { startRedisCluster } from '../../scripts/redis-cluster.mjs';
import { buildOnce } from './build.js';

export default async function clusterSetup() {
  buildOnce();
  // a maxmemory on every node, as on the single server (global-setup.js): else workers warn about unbounded retention
  const [cluster, server] = await Promise.all([
    startRedisCluster({ masters: 3, args: ['--maxmemory', '2gb'] }),
    // a few files of this pass also name the plain server (REDIS_URL: option checks that throw before connecting);
    // the single pass's server is in another jest process under `npm test` (scripts/test.mjs), so this pass has one
    process.env.REDIS_URL ? null : startRedisServer({ args: ['--maxmemory', '4gb'] }),
  ]);
  globalThis.__JOBLINE_CLUSTER__ = cluster;
  process.env.JOBLINE_TEST_CLUSTER = JSON.stringify(cluster.describe());
  if (server) {
    globalThis.__JOBLINE_CLUSTER_PASS_REDIS__ = server;
    process.env.REDIS_URL = server.url;
  }
}
