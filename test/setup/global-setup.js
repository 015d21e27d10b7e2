// The single pass: builds dist/ (test/setup/build.js) and starts the private redis-server every test file of this
// pass talks to (through REDIS_URL), unless REDIS_URL is already set.
import { ensureChromium } from '../../scripts/chromium.mjs';
import { startRedisServer } from '../../scripts/redis-server.mjs';
import { buildOnce } from './build.js';

export default async function globalSetup() {
  buildOnce();
  // the dashboard's browser tests (test/dashboard-browser.spec.ts) drive Debian's chromium
  ensureChromium();
  if (process.env.REDIS_URL) return;
  // a maxmemory, as production should have: without one, workers warn about queues kept without a count cap
  const server = await startRedisServer({ args: ['--maxmemory', '4gb'] });
  globalThis.__JOBLINE_REDIS__ = server;
  process.env.REDIS_URL = server.url;
}
