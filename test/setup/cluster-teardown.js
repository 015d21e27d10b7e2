export default async function clusterTeardown() {
  const cluster = globalThis.__JOBLINE_CLUSTER__;
  const server = globalThis.__JOBLINE_CLUSTER_PASS_REDIS__;
  await Promise.all([cluster?.stop(), server?.stop()]);
}
