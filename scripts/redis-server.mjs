// Starts a private redis-server for tests, the demo and the benchmark, so none of them touches a developer's Redis.
// Persistence is off unless asked for: these servers hold nothing worth keeping, except across the restarts of the
// chaos tests (test/chaos), which stop and start one server on one port and directory.
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
  aptInstall('redis-server', hasRedisServer);
  // The package may start a system-wide service; ours are private, so that one is not needed.
  spawnSync('service', ['redis-server', 'stop'], { stdio: 'ignore' });
}

/** Makes sure Debian's python3 can `import redis` (the inbox tests' Python client), installing python3-redis as root. */
export function ensurePythonRedis() {
  const has = () => spawnSync('/usr/bin/python3', ['-c', 'import redis'], { stdio: 'ignore' }).status === 0;
  if (has()) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) throw new Error("Python's redis client is missing. Install it with: sudo apt-get install -y python3-redis");
  aptInstall('python3-redis', has);
}

/** Installs a Debian package as root (apt-get update first if the plain install fails); throws unless `has()` after. */
export function aptInstall(pkg, has) {
  console.log(`[jobline] ${pkg} not found; installing Debian package ${pkg} ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let res = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], { stdio: 'inherit', env });
  if (res.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    res = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], { stdio: 'inherit', env });
  }
  if (res.status !== 0 || !has()) throw new Error(`Installing ${pkg} failed; run \`apt-get install -y ${pkg}\` and try again.`);
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
 * Starts redis-server on a loopback port. Resolves to { url, port, pid, dir, exited, stop, shutdown, kill }.
 * Options (all optional): `port` (default a free one: give the old port to restart a server where it was),
 * `dir` (its working directory, kept on stop; default a fresh temporary one, removed on stop), `appendonly`
 * (default false: no persistence at all) with `appendfsync` ('always', 'everysec' or 'no'; default 'everysec'), and
 * `args` (more redis-server arguments).
 */
export async function startRedisServer(options = {}) {
  ensureRedisServer();
  const port = options.port ?? (await freePort());
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'jobline-redis-'));
  const persistence = options.appendonly
    ? ['--appendonly', 'yes', '--appendfsync', options.appendfsync ?? 'everysec']
    : ['--appendonly', 'no'];
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning', ...(options.args ?? [])],
    { stdio: ['ignore', 'ignore', 'inherit'], detached: false },
  );
  /** Resolves with { code, signal } once the server has exited. */
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await Promise.race([
    waitForPort(port, Date.now() + 10_000),
    exited.then(({ code, signal }) => Promise.reject(new Error(`redis-server on port ${port} exited at start (${signal ?? `code ${code}`})`))),
  ]);
  const cleanUp = () => {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    dir,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      cleanUp();
    },
    /** A graceful stop by the SHUTDOWN command (what an operator types), sent over its own socket; resolves on exit. */
    async shutdown() {
      const reply = await sendCommand(port, ['SHUTDOWN']);
      if (reply.startsWith('-')) throw new Error(`redis-server on port ${port} refused SHUTDOWN: ${reply.trim()}`);
      await exited;
    },
    /** A crash: SIGKILL, nothing flushed beyond what its appendfsync policy already wrote. Resolves on exit. */
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Sends one command on a fresh socket and resolves with the reply ('' when the server closed the socket without one,
 * as a successful SHUTDOWN does). Not a client library: one could resend SHUTDOWN to the next server on that port.
 */
function sendCommand(port, words) {
  return new Promise((resolve, reject) => {
    let reply = '';
    const sock = connect(port, '127.0.0.1');
    sock.once('error', reject);
    sock.once('close', () => resolve(reply));
    sock.on('data', (chunk) => {
      reply += chunk.toString();
      sock.end();
    });
    sock.once('connect', () => sock.write(`*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`));
  });
}
