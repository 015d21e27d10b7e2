// Runs in each test file of the cluster pass: points the tests' connections (test/helpers.ts) and their child
// processes (test/fixtures/connection.mjs) at the cluster the setup started.
const cluster = JSON.parse(process.env.JOBLINE_TEST_CLUSTER ?? 'null');
if (!cluster) throw new Error('JOBLINE_TEST_CLUSTER is not set: the cluster pass runs through test/setup/cluster-setup.js');
process.env.JOBLINE_CLUSTER_NODES = JSON.stringify(cluster.nodes.map(({ host, port }) => ({ host, port })));
