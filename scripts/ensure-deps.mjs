// Makes `npm test`, `npm run demo` and `npm run bench` work on a fresh clone: installs npm packages when missing
// and makes sure redis-server exists (installing Debian's package as root, else printing the command to run).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { ensureRedisServer } from './redis-server.mjs';

if (!existsSync('node_modules/.package-lock.json') || !existsSync('node_modules/jest')) {
  console.log('[jobline] installing npm packages ...');
  let res = spawnSync('npm', [existsSync('package-lock.json') ? 'ci' : 'install', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  // a lock file out of step with package.json should not stop a fresh clone: resolve afresh instead
  if (res.status !== 0) res = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (res.status !== 0) process.exit(res.status ?? 1);
}
if (!process.env.REDIS_URL) {
  try {
    ensureRedisServer();
  } catch (err) {
    console.error(`[jobline] ${err.message}`);
    process.exit(1);
  }
}
