export default async function clusterTeardown() {
  const cluster = globalThis.__JOBLINE_CLUSTER__;
  if (cluster) await cluster.stop();
}
