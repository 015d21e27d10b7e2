// Builds dist/ (child-process workers in the tests run the compiled package, as a user's app would) and starts the
// private redis-server every test file talks to (through REDIS_URL), unless REDIS_URL is already set.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { startRedisServer } from '../../scripts/redis-server.mjs';

export default async function globalSetup() {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync('node', ['scripts/clean-dist.mjs'], { stdio: 'inherit' });
  execFileSync('node', [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  execFileSync('node', ['scripts/copy-lua.mjs'], { stdio: 'inherit' });
  if (process.env.REDIS_URL) return;
  // a maxmemory, as production should have: without one, workers warn about queues kept without a count cap
  const server = await startRedisServer({ args: ['--maxmemory', '4gb'] });
  globalThis.__JOBLINE_REDIS__ = server;
  process.env.REDIS_URL = server.url;
}
