// Starts a private, throw-away Redis Cluster (redis-server processes on free loopback ports, created with
// `redis-cli --cluster create`) for tests and checks, and drives it: live slot migrations, master kills, failovers,
// restarts. Importing this module starts nothing.
//
// A handle can be described as JSON (describe()) and re-attached in another module realm or process
// (attachRedisCluster), so a jest global setup can start the cluster and a test file can still migrate or kill.
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ensureRedisServer, freePorts, waitForPort } from './redis-server.mjs';

const HOST = '127.0.0.1';
const SLOTS = 16384;

/**
 * Starts a Redis Cluster of `masters` masters (at least 3, as redis-cli requires) with `replicasPerMaster` replicas
 * each, and resolves once every node reports cluster_state:ok, all slots are covered, every node agrees on who owns
 * them and every replica is in sync.
 *
 * nodeTimeout (ms) is cluster-node-timeout: a killed master is declared failed after about this long, so it bounds
 * how long a failover takes; 1000 keeps failover tests short while loopback gossip never misses it.
 */
export async function startRedisCluster({
  masters = 3,
  replicasPerMaster = 0,
  appendonly = false,
  nodeTimeout = 1000,
  timeoutMs = 30_000,
  args = [],
} = {}) {
  if (!Number.isInteger(masters) || masters < 3) {
    throw new Error(`startRedisCluster: masters must be an integer >= 3 (redis-cli refuses fewer), got ${masters}`);
  }
  if (!Number.isInteger(replicasPerMaster) || replicasPerMaster < 0) {
    throw new Error(`startRedisCluster: replicasPerMaster must be an integer >= 0, got ${replicasPerMaster}`);
  }
  ensureRedisServer();
  const deadline = Date.now() + timeoutMs;
  const count = masters * (1 + replicasPerMaster);
  const ports = await freePorts(count * 2);
  const nodes = [];
  for (let i = 0; i < count; i++) {
    nodes.push({ host: HOST, port: ports[2 * i], busPort: ports[2 * i + 1], dir: mkdtempSync(join(tmpdir(), 'jobline-cluster-')) });
  }
  const handle = makeHandle({ nodes, masters, replicasPerMaster, appendonly, nodeTimeout, args, dead: [] }, true);
  try {
    await Promise.all(nodes.map((node) => handle._spawn(node, deadline)));
    await createCluster(handle, nodes, replicasPerMaster, deadline);
    await handle.waitForStable({ timeoutMs: Math.max(1000, deadline - Date.now()) });
    return handle;
  } catch (err) {
    await handle.stop();
    throw err;
  }
}

/** Re-attaches to a cluster started elsewhere (from `handle.describe()`), with the same controls. */
export function attachRedisCluster(description) {
  const desc = typeof description === 'string' ? JSON.parse(description) : description;
  return makeHandle(structuredClone(desc), false);
}

async function createCluster(handle, nodes, replicasPerMaster, deadline) {
  const args = ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', String(replicasPerMaster), '--cluster-yes'];
  for (let attempt = 1; ; attempt++) {
    // redis-cli refuses a node that is not listening yet or not empty; a failed attempt may leave slots or meets
    // behind, so each retry starts from reset nodes.
    await Promise.all(nodes.map((n) => waitForPort(n.port, deadline)));
    const res = await run('redis-cli', args);
    if (res.code === 0) return;
    if (attempt >= 3 || Date.now() > deadline) {
      throw new Error(`redis-cli --cluster create failed ${attempt} times; last output:\n${res.stdout}${res.stderr}`);
    }
    await Promise.all(
      nodes.map(async (n) => {
        const r = handle._admin(n.port);
        await r.flushall().catch(() => {});
        await r.cluster('RESET', 'HARD').catch(() => {});
      }),
    );
    await sleep(200 * attempt);
  }
}

function makeHandle(state, owner) {
  const children = new Map(); // port -> ChildProcess started by this handle
  const admins = new Map(); // port -> ioredis client for admin commands
  const dead = new Set(state.dead);
  const byPort = (port) => {
    const node = state.nodes.find((n) => n.port === Number(port));
    if (!node) throw new Error(`no cluster node on port ${port}; nodes are on ${state.nodes.map((n) => n.port).join(', ')}`);
    return node;
  };
  const live = () => state.nodes.filter((n) => !dead.has(n.port));
  const onExit = () => {
    for (const node of state.nodes) killNodeSync(node, children, 'SIGKILL');
  };
  if (owner) process.on('exit', onExit);

  function admin(port) {
    let client = admins.get(port);
    if (!client || client.status === 'end' || client.status === 'close') {
      client = new Redis({
        host: HOST,
        port,
        lazyConnect: false,
        retryStrategy: () => null, // a killed node should fail fast, not be waited for
        maxRetriesPerRequest: 0,
        connectTimeout: 2000,
        commandTimeout: 10_000,
      });
      client.on('error', () => {});
      admins.set(port, client);
    }
    return client;
  }

  function closeAdmin(port) {
    const client = admins.get(port);
    admins.delete(port);
    client?.disconnect();
  }

  async function spawnNode(node, deadline = Date.now() + 15_000) {
    const args = [
      '--port', String(node.port),
      '--cluster-port', String(node.busPort),
      '--bind', HOST,
      '--cluster-enabled', 'yes',
      '--cluster-config-file', 'nodes.conf',
      '--cluster-node-timeout', String(state.nodeTimeout),
      // a replica may always stand for election, however long it has been cut off: tests kill masters on purpose
      '--cluster-replica-validity-factor', '0',
      // replicas get their first copy at once instead of after the default 5 s wait for more replicas
      '--repl-diskless-sync', 'yes',
      '--repl-diskless-sync-delay', '0',
      '--save', '',
      '--appendonly', state.appendonly ? 'yes' : 'no',
      '--dir', node.dir,
      '--pidfile', join(node.dir, 'redis.pid'),
      '--logfile', join(node.dir, 'redis.log'),
      '--daemonize', 'no',
      '--loglevel', 'notice',
      ...(state.args ?? []),
    ];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.exited = exited;
    children.set(node.port, child);
    const early = exited.then(({ code, signal }) => {
      throw new Error(`redis-server on port ${node.port} exited at start (code ${code}, signal ${signal}); log:\n${tail(join(node.dir, 'redis.log'))}`);
    });
    await Promise.race([waitForPort(node.port, deadline), early]);
    early.catch(() => {});
  }

  /** Parsed CLUSTER NODES as seen by the node on `port`. */
  async function clusterNodes(port) {
    const text = await admin(port).cluster('NODES');
    return text
      .trim()
      .split('\n')
      .map((line) => {
        const [id, addr, flags, master, , , epoch, link, ...slotSpecs] = line.split(' ');
        const [hostPort] = addr.split('@');
        const i = hostPort.lastIndexOf(':');
        const slots = [];
        const migrating = [];
        const importing = [];
        for (const spec of slotSpecs) {
          if (spec.startsWith('[')) {
            const m = /^\[(\d+)-([<>])-(\w+)\]$/.exec(spec);
            if (m) (m[2] === '>' ? migrating : importing).push({ slot: Number(m[1]), peer: m[3] });
          } else {
            const [a, b = a] = spec.split('-').map(Number);
            slots.push([a, b]);
          }
        }
        const flagList = flags.split(',');
        return {
          id,
          host: hostPort.slice(0, i),
          port: Number(hostPort.slice(i + 1)),
          flags: flagList,
          role: flagList.includes('master') ? 'master' : 'replica',
          masterId: master === '-' ? null : master,
          epoch: Number(epoch),
          link,
          slots,
          migrating,
          importing,
        };
      });
  }

  async function info(port, section) {
    const text = await admin(port).info(section);
    return Object.fromEntries(
      text
        .split('\r\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]),
    );
  }

  /** Why the cluster is not stable yet, or null when it is (see waitForStable). */
  async function unstableReason() {
    const livePorts = new Set(live().map((n) => n.port));
    let layout = null;
    for (const node of live()) {
      let ci, view, repl;
      try {
        [ci, view, repl] = await Promise.all([admin(node.port).cluster('INFO'), clusterNodes(node.port), info(node.port, 'replication')]);
      } catch (err) {
        return `node ${node.port} did not answer: ${err.message}`;
      }
      if (!/cluster_state:ok/.test(ci)) return `node ${node.port} says cluster_state is not ok`;
      if (!ci.includes(`cluster_slots_assigned:${SLOTS}`)) return `node ${node.port} sees unassigned slots`;
      for (const port of livePorts) {
        const entry = view.find((e) => e.port === port);
        if (!entry) return `node ${node.port} does not know node ${port} yet`;
        const bad = entry.flags.filter((f) => ['fail', 'fail?', 'handshake', 'noaddr'].includes(f));
        if (bad.length) return `node ${node.port} flags node ${port} ${bad.join(',')}`;
        if (!entry.flags.includes('myself') && entry.link !== 'connected') return `node ${node.port} has no link to ${port}`;
        // every master of these clusters serves slots: one without is a replica whose CLUSTER REPLICATE has not
        // reached this node's view yet (so topology() would list it as a master)
        if (entry.role === 'master' && entry.slots.length === 0) return `node ${node.port} sees node ${port} as a master without slots`;
      }
      const owners = view.filter((e) => e.slots.length);
      const deadOwner = owners.find((e) => !livePorts.has(e.port));
      if (deadOwner) return `node ${node.port} still sees killed node ${deadOwner.port} owning slots`;
      const open = view.find((e) => e.migrating.length || e.importing.length);
      if (open) return `node ${node.port} sees an open slot migration on ${open.port}`;
      const thisLayout = owners
        .flatMap((e) => e.slots.map(([a, b]) => `${a}-${b}@${e.port}`))
        .sort()
        .join(' ');
      if (layout !== null && layout !== thisLayout) return `nodes disagree on slot owners (node ${node.port})`;
      layout = thisLayout;
      if (repl.role === 'slave' && (repl.master_link_status !== 'up' || repl.master_sync_in_progress !== '0')) {
        return `replica ${node.port} is not in sync with its master`;
      }
    }
    return null;
  }

  async function until(what, check, timeoutMs, intervalMs = 50) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const why = await check();
      if (why === null) return;
      if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms; last: ${why}`);
      await sleep(intervalMs);
    }
  }

  function anyLivePort() {
    const node = live()[0];
    if (!node) throw new Error('every cluster node has been killed');
    return node.port;
  }

  async function keySlot(key) {
    return admin(anyLivePort()).cluster('KEYSLOT', key);
  }

  /** The live master that owns `slot` according to a live node's view. */
  async function ownerOf(slot) {
    const view = await clusterNodes(anyLivePort());
    const owner = view.find((e) => e.role === 'master' && !e.flags.includes('fail') && e.slots.some(([a, b]) => slot >= a && slot <= b));
    if (!owner) throw new Error(`no live master owns slot ${slot}`);
    return owner;
  }

  const handle = {
    get nodes() {
      return state.nodes.map(({ host, port }) => ({ host, port }));
    },
    get urls() {
      return state.nodes.map(({ host, port }) => `redis://${host}:${port}`);
    },

    /** JSON-able description for attachRedisCluster (e.g. through an environment variable). */
    describe() {
      return { ...state, dead: [...dead] };
    },

    /** Current masters and replicas: [{ host, port, id, role, masterPort, slots: [[from, to]] }]. */
    async topology() {
      const view = await clusterNodes(anyLivePort());
      return view
        .filter((e) => !dead.has(e.port))
        .map((e) => ({
          host: e.host,
          port: e.port,
          id: e.id,
          role: e.role,
          masterPort: e.masterId ? view.find((m) => m.id === e.masterId)?.port ?? null : null,
          slots: e.slots,
        }))
        .sort((a, b) => a.port - b.port);
    },

    keySlot,

    /** The master serving `key`'s slot now (the owner the cluster agrees on; during a migration, the source). */
    async nodeFor(key) {
      const owner = await ownerOf(await keySlot(key));
      return { host: owner.host, port: owner.port };
    },

    /**
     * Opens a migration of `slot` to the master on `toPort` the way `redis-cli --cluster reshard` does, leaving the
     * key moves to the caller: `moveKeys(n)` MIGRATEs up to n keys, `finish()` assigns the slot to the target on every
     * master and waits until all nodes agree. Between the two, the source answers ASK for keys already moved.
     */
    async beginSlotMigration(slot, toPort) {
      const source = await ownerOf(slot);
      const target = byPort(toPort);
      if (source.port === target.port) throw new Error(`slot ${slot} is already served by port ${toPort}`);
      const targetId = await admin(target.port).cluster('MYID');
      await admin(target.port).cluster('SETSLOT', slot, 'IMPORTING', source.id);
      await admin(source.port).cluster('SETSLOT', slot, 'MIGRATING', targetId);
      let moved = 0;
      return {
        slot,
        from: { host: source.host, port: source.port },
        to: { host: target.host, port: target.port },
        /**
         * Moves up to `count` keys of the slot, or exactly the keys named when given an array (for tests that need
         * a chosen key on each side); resolves to how many moved (0 when none is left).
         */
        async moveKeys(countOrKeys = 10) {
          const keys = Array.isArray(countOrKeys) ? countOrKeys : await admin(source.port).cluster('GETKEYSINSLOT', slot, countOrKeys);
          if (keys.length === 0) return 0;
          await admin(source.port).call('MIGRATE', target.host, String(target.port), '', '0', '5000', 'KEYS', ...keys);
          moved += keys.length;
          return keys.length;
        },
        /** Keys of the slot still on the source. */
        async keysLeft() {
          return admin(source.port).cluster('COUNTKEYSINSLOT', slot);
        },
        get moved() {
          return moved;
        },
        async finish({ timeoutMs = 10_000 } = {}) {
          while ((await this.moveKeys(100)) > 0);
          // target first, then source, then the other masters: once the source lets go, the target must already
          // own the slot, or clients bounce between the two
          const view = await clusterNodes(target.port);
          const others = view.filter((e) => e.role === 'master' && !dead.has(e.port) && e.port !== source.port && e.port !== target.port && e.slots.length);
          await admin(target.port).cluster('SETSLOT', slot, 'NODE', targetId);
          await admin(source.port).cluster('SETSLOT', slot, 'NODE', targetId);
          await Promise.all(others.map((e) => admin(e.port).cluster('SETSLOT', slot, 'NODE', targetId)));
          await handle.waitForStable({ timeoutMs });
          return moved;
        },
      };
    },

    /**
     * Migrates `slot` live to the master on `toPort`, `batchSize` keys per MIGRATE. `pauseMs` waits between batches,
     * and `onBatch({ moved, left })` is awaited after each, so a test can run traffic mid-migration.
     */
    async migrateSlot(slot, toPort, { batchSize = 10, pauseMs = 0, onBatch, timeoutMs = 10_000 } = {}) {
      const migration = await handle.beginSlotMigration(slot, toPort);
      for (;;) {
        const n = await migration.moveKeys(batchSize);
        if (n === 0) break;
        if (onBatch) await onBatch({ moved: migration.moved, left: await migration.keysLeft() });
        if (pauseMs > 0) await sleep(pauseMs);
      }
      await migration.finish({ timeoutMs });
      return { slot, from: migration.from, to: migration.to, moved: migration.moved };
    },

    /** SIGKILLs the master on `port` (no graceful shutdown, as in a crash). Resolves to its replicas' ports. */
    async killMaster(port) {
      const node = byPort(port);
      const view = await clusterNodes(node.port);
      const me = view.find((e) => e.flags.includes('myself'));
      if (me.role !== 'master') throw new Error(`node ${port} is a replica, not a master`);
      const replicas = view.filter((e) => e.masterId === me.id && !dead.has(e.port)).map((e) => e.port);
      closeAdmin(node.port);
      await killNode(node, children, 'SIGKILL');
      dead.add(node.port);
      return { port: node.port, replicas };
    },

    /**
     * Waits until the killed masters' slots are served by promoted replicas and the cluster is stable again.
     * Resolves to { ms } (time spent waiting).
     */
    async waitForFailover({ timeoutMs = 15_000 } = {}) {
      const started = Date.now();
      await handle.waitForStable({ timeoutMs });
      return { ms: Date.now() - started };
    },

    /**
     * Waits until every live node says cluster_state:ok, all slots are assigned to live masters, all nodes agree on
     * the owners, nobody flags a live node failed, no slot is mid-migration and every replica is in sync.
     */
    async waitForStable({ timeoutMs = 15_000 } = {}) {
      await until('cluster stable', unstableReason, timeoutMs);
    },

    /**
     * Restarts the node on `port` with its data directory (so nodes.conf makes it rejoin; with appendonly it keeps
     * its data). A live node is stopped with SIGTERM first. A killed master comes back as a replica of the replica
     * that replaced it. Resolves once the cluster is stable again.
     */
    async restartNode(port, { timeoutMs = 15_000 } = {}) {
      const node = byPort(port);
      closeAdmin(node.port);
      await killNode(node, children, 'SIGTERM');
      await spawnNode(node, Date.now() + timeoutMs);
      dead.delete(node.port);
      await handle.waitForStable({ timeoutMs });
    },

    /** Closes this handle's admin connections (the cluster keeps running). */
    async close() {
      for (const port of [...admins.keys()]) closeAdmin(port);
    },

    /** Kills every node (also ones restarted through an attached handle) and removes their directories. */
    async stop() {
      await handle.close();
      await Promise.all(state.nodes.map((node) => killNode(node, children, 'SIGKILL')));
      for (const node of state.nodes) rmSync(node.dir, { recursive: true, force: true });
      if (owner) process.off('exit', onExit);
    },

    _spawn: spawnNode,
    _admin: admin,
  };
  return handle;
}

/** The pid of the redis-server serving node.port (from its pidfile), if that process still runs. */
function runningPid(node) {
  const file = join(node.dir, 'redis.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  try {
    // a pid can be reused once its process is gone; only one that still is our redis-server counts
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (!cmdline.includes(`:${node.port}`) || / Z /.test(stat.slice(stat.lastIndexOf(')')))) return null;
    return pid;
  } catch {
    return null;
  }
}

async function killNode(node, children, signal) {
  const child = children.get(node.port);
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill(signal);
    await child.exited;
  }
  children.delete(node.port);
  const pid = runningPid(node);
  if (pid !== null) {
    process.kill(pid, signal);
    const deadline = Date.now() + 10_000;
    while (runningPid(node) === pid && Date.now() < deadline) await sleep(20);
  }
}

function killNodeSync(node, children, signal) {
  const child = children.get(node.port);
  if (child && child.exitCode === null) child.kill(signal);
  const pid = runningPid(node);
  if (pid !== null) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

function run(cmd, args) {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

function tail(file) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
