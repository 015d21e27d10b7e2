export default async function globalTeardown() {
  const server = globalThis.__JOBLINE_REDIS__;
  if (server) await server.stop();
}
