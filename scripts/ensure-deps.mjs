// Makes `npm test`, `npm run demo` and `npm run bench` work on a fresh clone: installs npm packages when missing
// and makes sure redis-server exists (installing Debian's package as root, else printing the command to run), and
// Python's redis client, which the inbox tests enqueue with (Debian's python3-redis, the same way).
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { ensureRedisServer, ensurePythonRedis } from './redis-server.mjs';

// every package.json dependency installed: a checkout that gained one since its last install (a pull) installs again
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const wanted = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
const missing = wanted.filter((name) => !existsSync(`node_modules/${name}/package.json`));
if (!existsSync('node_modules/.package-lock.json') || missing.length > 0) {
  if (existsSync('node_modules/.package-lock.json')) console.log(`[jobline] npm packages missing (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''})`);
  console.log('[jobline] installing npm packages ...');
  // npm ci, as users' CI runs it: it installs exactly the lock file and never rewrites it (a lock file out of step
  // is a defect to fix in the repository, not to paper over here)
  const res = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (res.status !== 0) {
    console.error('[jobline] `npm ci` failed. If it says the lock file is out of step, run `npm install` and commit package-lock.json.');
    process.exit(res.status ?? 1);
  }
}
if (!process.env.REDIS_URL) {
  try {
    ensureRedisServer();
  } catch (err) {
    console.error(`[jobline] ${err.message}`);
    process.exit(1);
  }
}
try {
  ensurePythonRedis();
} catch (err) {
  // only the inbox tests need it: they say the same when they run
  console.warn(`[jobline] ${err.message}`);
}
