// Starts a private, throw-away redis-server for tests, the demo and the benchmark, so none of them touches a
// developer's Redis. Persistence is off: these servers hold nothing worth keeping.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Finds redis-server, installing Debian's package when running as root; otherwise explains how to get it. */
export function ensureRedisServer() {
  if (hasRedisServer()) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    throw new Error(
      'redis-server is not installed. Install it with: sudo apt-get install -y redis-server ' +
        '(or set REDIS_URL to a Redis you already run).',
    );
  }
  console.log('[jobline] redis-server not found; installing Debian package redis-server ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let res = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'redis-server'], { stdio: 'inherit', env });
  if (res.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    res = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'redis-server'], { stdio: 'inherit', env });
  }
  if (res.status !== 0 || !hasRedisServer()) {
    throw new Error('Installing redis-server failed; run `apt-get install -y redis-server` and try again.');
  }
  // The package may start a system-wide service; ours are private, so that one is not needed.
  spawnSync('service', ['redis-server', 'stop'], { stdio: 'ignore' });
}

/** Makes sure Debian's python3 can `import redis` (the inbox tests' Python client), installing python3-redis as root. */
export function ensurePythonRedis() {
  const has = () => spawnSync('/usr/bin/python3', ['-c', 'import redis'], { stdio: 'ignore' }).status === 0;
  if (has()) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) throw new Error("Python's redis client is missing. Install it with: sudo apt-get install -y python3-redis");
  console.log('[jobline] python3-redis not found; installing Debian package python3-redis ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let res = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'python3-redis'], { stdio: 'inherit', env });
  if (res.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    res = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'python3-redis'], { stdio: 'inherit', env });
  }
  if (res.status !== 0 || !has()) throw new Error('Installing python3-redis failed; run `apt-get install -y python3-redis` and try again.');
}

function hasRedisServer() {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A loopback port free right now (also used by bench/instructions.mjs for its server under valgrind). */
export function freePort() {
  return freePorts(1).then(([port]) => port);
}

/** Finds `count` distinct free loopback ports; all are held open until the last is found, so none repeats. */
export async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      servers.push(
        await new Promise((resolve, reject) => {
          const srv = createServer();
          srv.once('error', reject);
          srv.listen(0, '127.0.0.1', () => resolve(srv));
        }),
      );
    }
    return servers.map((srv) => srv.address().port);
  } finally {
    await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))));
  }
}

/** Resolves once something accepts connections on 127.0.0.1:port; rejects after the deadline (epoch ms). */
export function waitForPort(port, deadline) {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.end();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`redis-server did not listen on port ${port} in time`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/**
 * Starts redis-server on a free loopback port (or on `port`, to bring a stopped server back where its clients look).
 * Resolves to { url, port, pid, stop }. `args` are more command-line options (e.g. ['--enable-debug-command', 'yes']
 * for a test that slows the server with DEBUG SLEEP).
 */
export async function startRedisServer({ port: wanted, args: extraArgs = [] } = {}) {
  ensureRedisServer();
  const port = wanted ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'jobline-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning', ...extraArgs],
    { stdio: ['ignore', 'ignore', 'inherit'], detached: false },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitForPort(port, Date.now() + 10_000);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
