// Starts the private redis-server every test file talks to (through REDIS_URL), unless REDIS_URL is already set.
import { startRedisServer } from '../../scripts/redis-server.mjs';

export default async function globalSetup() {
  if (process.env.REDIS_URL) return;
  const server = await startRedisServer();
  globalThis.__JOBLINE_REDIS__ = server;
  process.env.REDIS_URL = server.url;
}
