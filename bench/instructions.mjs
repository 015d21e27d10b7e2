// Redis CPU work per job, in instructions: a private redis-server runs under valgrind's callgrind, which counts the
// instructions it executes (stable on a noisy shared machine, unlike time), while a public-API workload enqueues
// N jobs and then runs them with one Worker. Works on any checkout of this repo through its built dist/index.js, so
// two checkouts (before and after an engine change) can be compared. Plain ESM so it needs no compile step of its own.
//
// Usage: node bench/instructions.mjs [--dir <checkout>] [--jobs 20000] [--runs 1] [--idle 10] [--stream] [--timings] [--keep <n>] [--json]
//        npm run bench:instructions -- [same options]
// Needs valgrind (apt-get install valgrind) and redis-server. See /work/notes/instructions.md for how to read it.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { freePort } from '../scripts/redis-server.mjs';

const run = promisify(execFile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const HERE = dirname(fileURLToPath(import.meta.url));
const PREFIX = 'ibench';
const QUEUE = 'bench';
const WARMUP_QUEUE = 'warmup';
const NAME = 'bench.noop';
const CHUNK = 1_000;
const CONCURRENCY = 100;

const { values: opts } = parseArgs({
  options: {
    dir: { type: 'string', default: resolve(HERE, '..') },
    jobs: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '1' },
    idle: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
    // the consumer writes job events to the Redis stream too (QueueClientOptions.eventStream; checkouts that have it)
    stream: { type: 'boolean', default: false },
    // the consumer has a listener that wants job timings (as metrics do): the workers fetch instrumented (work.lua's ARGV[5])
    timings: { type: 'boolean', default: false },
    // the queue keeps at most this many finished jobs (QueueClientOptions.queues keep; checkouts that have it)
    keep: { type: 'string', default: '' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  console.log('node bench/instructions.mjs [--dir <checkout>] [--jobs 20000] [--runs 1] [--idle <seconds>] [--json]');
  process.exit(0);
}
const N = wholeNumber('jobs', opts.jobs, CHUNK);
const RUNS = wholeNumber('runs', opts.runs, 1);
const IDLE_S = wholeNumber('idle', opts.idle, 2);
const DIR = resolve(opts.dir);
const KEEP = opts.keep === '' ? null : wholeNumber('keep', opts.keep, 0);
const QUEUES = KEEP === null ? {} : { queues: { [QUEUE]: { keep: { finished: { count: KEEP } } } } };

function wholeNumber(name, text, min) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name}: got ${JSON.stringify(text)}, expected a whole number of at least ${min}`);
    process.exit(2);
  }
  return n;
}

/**
 * The payload of bench/payload.ts (~117 bytes of JSON), one object per job as real callers pass. A copy, not an
 * import: that file is TypeScript, and the workload must stay the same whichever checkout --dir measures.
 */
function makePayload(seq) {
  return {
    seq,
    user: `user-${String(seq % 1_000_000).padStart(8, '0')}`,
    action: 'send-welcome-email',
    locale: 'en-GB',
    tags: ['signup', 'email', 'bench'],
  };
}

// ---- the checkout: built dist, its own node_modules -------------------------------------------------------------

function newestMtime(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function sh(cmd, args, cwd) {
  const res = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  if (res.status !== 0) throw new Error(`\`${cmd} ${args.join(' ')}\` in ${cwd} exited with ${res.status ?? res.signal}`);
}

/** Imports the checkout's dist/index.js, installing its packages and building it first when needed. */
async function loadCheckout(dir) {
  if (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'src'))) {
    throw new Error(`--dir ${dir}: expected a checkout of this repo (package.json and src/), found none`);
  }
  if (!existsSync(join(dir, 'node_modules', '.package-lock.json'))) {
    console.error(`[instructions] ${dir} has no node_modules: running npm ci there`);
    sh('npm', ['ci', '--no-audit', '--no-fund'], dir);
  }
  const entry = join(dir, 'dist', 'index.js');
  // whole src tree, so Lua scripts count wherever a checkout keeps them (the build copies them into dist)
  if (!existsSync(entry) || newestMtime(join(dir, 'src')) > statSync(entry).mtimeMs) {
    console.error(`[instructions] dist of ${dir} is missing or older than src: running npm run build there`);
    sh('npm', ['run', 'build'], dir);
  }
  const lib = await import(pathToFileURL(entry).href);
  for (const name of ['QueueClient', 'Worker', 'HandlerRegistry']) {
    if (typeof lib[name] !== 'function') throw new Error(`${entry} exports no ${name}; this workload needs it`);
  }
  return lib;
}

function gitDescribe(dir) {
  const res = spawnSync('git', ['-C', dir, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' });
  const dirty = spawnSync('git', ['-C', dir, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' });
  const head = res.status === 0 ? res.stdout.trim().slice(0, 70) : '(not a git checkout)';
  return dirty.stdout?.trim() ? `${head} (+ uncommitted changes in src)` : head;
}

// ---- redis-server under callgrind ------------------------------------------------------------------------------

function canConnect(port) {
  return new Promise((res) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.end();
      res(true);
    });
    sock.once('error', () => {
      sock.destroy();
      res(false);
    });
  });
}

function requireTool(cmd, args, hint) {
  const res = spawnSync(cmd, args, { stdio: 'ignore' });
  if (res.error || res.status !== 0) throw new Error(`${cmd} is not usable here; ${hint}`);
}

/**
 * Debian's redis-server under callgrind, persistence off, on a free loopback port. Counting is on from the start:
 * callgrind_control can zero and dump but cannot switch collection on (only instrumentation), and
 * --toggle-collect=<function> would count one function's calls, leaving out the event loop, parsing and replies.
 * So each phase is bracketed by a zero (-z) and a dump (-d) instead.
 */
async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'jobline-callgrind-'));
  const port = await freePort();
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      `--callgrind-out-file=${join(dir, 'callgrind.out')}`,
      `--log-file=${join(dir, 'valgrind.log')}`,
      'redis-server',
      ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      ...['--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'],
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise((res) => child.once('exit', res));
  let dumps = 0;
  const server = {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    /** Zeroes the counters; the instructions counted from here to the next dump are one phase's. */
    async zero() {
      await run('callgrind_control', ['-z', String(child.pid)]);
    },
    /** Dumps the counters since the last zero and returns their total instructions (Ir). */
    async dump() {
      await run('callgrind_control', ['-d', String(child.pid)]);
      const file = join(dir, `callgrind.out.${++dumps}`);
      const text = readFileSync(file, 'utf8');
      rmSync(file);
      const m = /^totals:\s+(\d+)/m.exec(text) ?? /^summary:\s+(\d+)/m.exec(text);
      if (!m) throw new Error(`${file}: no totals: or summary: line`);
      return Number(m[1]);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // valgrind takes seconds to start redis; its log says why when it never listens
  const deadline = Date.now() + 60_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const log = existsSync(join(dir, 'valgrind.log')) ? readFileSync(join(dir, 'valgrind.log'), 'utf8').slice(-2000) : '';
      await server.stop();
      throw new Error(`redis-server under valgrind did not listen on port ${port}\n${log}`);
    }
    await sleep(100);
  }
  return server;
}

// ---- one run -----------------------------------------------------------------------------------------------------

/** Counts handler calls in this process, so the end of processing is seen without asking Redis. */
function handlerCounter() {
  let count = 0;
  let target = Infinity;
  let reached = () => {};
  return {
    handle: () => {
      if (++count === target) reached();
      return 'ok';
    },
    /** Resolves once `n` more calls have been made. */
    next(n) {
      count = 0;
      target = n;
      return new Promise((res) => (reached = res));
    },
  };
}

async function waitFinished(client, queue, n, pollMs) {
  let polls = 0;
  for (;;) {
    polls++;
    const c = await client.countJobs(queue);
    // capped (--keep), the registry holds at most the cap: the jobs are done once none is queued or running
    if (queue === QUEUE && KEEP !== null ? c.queued === 0 && c.started === 0 : c.finished >= n) return polls;
    await sleep(pollMs);
  }
}

async function measure(server, fn) {
  await server.zero();
  const t0 = performance.now();
  const extra = (await fn()) ?? {};
  const seconds = (performance.now() - t0) / 1000;
  const ir = await server.dump();
  return { ir, seconds, ...extra };
}

async function oneRun(lib, n) {
  const { QueueClient, Worker, HandlerRegistry } = lib;
  const server = await startServer();
  const closers = [];
  try {
    const counter = handlerCounter();
    const registry = new HandlerRegistry();
    registry.register({ name: NAME, handle: counter.handle, defaults: {}, source: 'bench/instructions.mjs' });
    // producer and consumer on separate clients (separate connections), as in separate processes
    const producer = new QueueClient({ connection: server.url, prefix: PREFIX, defaultQueue: QUEUE, ...QUEUES });
    closers.push(() => producer.close());
    const consumer = new QueueClient({ connection: server.url, prefix: PREFIX, defaultQueue: QUEUE, registry, ...(opts.stream ? { eventStream: true } : {}), ...QUEUES });
    closers.push(() => consumer.close());
    if (opts.timings) {
      const stop = consumer.on('completed', () => undefined, { timings: true, result: false });
      closers.unshift(async () => stop());
    }

    // Warm-up on another queue, outside every window: connections, version checks and script loads (EVALSHA misses
    // then EVAL) happen once per server, so the phases below measure the steady state.
    const warmN = 200;
    const warmDone = counter.next(warmN);
    await producer.enqueueMany(Array.from({ length: warmN }, (_, i) => ({ name: NAME, data: makePayload(i), options: { queue: WARMUP_QUEUE } })));
    const warmWorker = new Worker(consumer, registry, { queues: [WARMUP_QUEUE], concurrency: CONCURRENCY });
    warmWorker.start();
    await warmDone;
    await waitFinished(producer, WARMUP_QUEUE, warmN, 50);
    await warmWorker.close();

    // Redis alone, clients connected, nothing asked: serverCron's share of any phase (per wall-clock second)
    const serverIdle = await measure(server, () => sleep(IDLE_S * 1000));

    const chunks = [];
    for (let from = 0; from < n; from += CHUNK) {
      chunks.push(Array.from({ length: Math.min(CHUNK, n - from) }, (_, i) => ({ name: NAME, data: makePayload(from + i) })));
    }
    const enqueue = await measure(server, async () => {
      for (const items of chunks) await producer.enqueueMany(items);
    });
    const queued = await producer.countJobs(QUEUE);
    if (queued.queued !== n) throw new Error(`after enqueueMany: ${queued.queued} jobs queued, expected ${n}`);

    const done = counter.next(n);
    let worker;
    closers.unshift(async () => worker?.close());
    const processing = await measure(server, async () => {
      worker = new Worker(consumer, registry, { queues: [QUEUE], concurrency: CONCURRENCY });
      worker.start();
      await done;
      // every handler has returned; the last outcomes reach Redis on the worker's next call, then it blocks idle
      const tailStart = performance.now();
      const polls = await waitFinished(producer, QUEUE, n, 20);
      return { tailSeconds: (performance.now() - tailStart) / 1000, polls };
    });

    await sleep(1000);
    const workerIdle = await measure(server, () => sleep(IDLE_S * 1000));

    const counts = await producer.countJobs(QUEUE);
    const kept = KEEP === null ? n : Math.min(n, KEEP);
    if (counts.finished !== kept) throw new Error(`after processing: ${counts.finished} jobs finished, expected ${kept}`);
    return summarise(n, { serverIdle, enqueue, processing, workerIdle });
  } finally {
    for (const close of closers) await close().catch(() => {});
    await server.stop();
  }
}

function summarise(n, m) {
  const serverIdlePerS = m.serverIdle.ir / m.serverIdle.seconds;
  const workerIdlePerS = m.workerIdle.ir / m.workerIdle.seconds;
  // the tail after the last handler is mostly a blocked worker: charged at the idle-worker rate
  const tailIr = workerIdlePerS * m.processing.tailSeconds;
  return {
    jobs: n,
    enqueuePerJob: m.enqueue.ir / n,
    processingPerJob: (m.processing.ir - tailIr) / n,
    processingRawPerJob: m.processing.ir / n,
    tailPerJob: tailIr / n,
    serverIdlePerS,
    workerIdlePerS,
    enqueueSeconds: m.enqueue.seconds,
    processingSeconds: m.processing.seconds,
    tailSeconds: m.processing.tailSeconds,
    tailPolls: m.processing.polls,
    // how much of each phase is serverCron ticking at wall-clock pace (grows when the machine is slow or busy); the
    // net figures take it out, for comparing runs whose phases took very different times
    enqueueCronPerJob: (serverIdlePerS * m.enqueue.seconds) / n,
    processingCronPerJob: (serverIdlePerS * m.processing.seconds) / n,
    enqueueNetPerJob: (m.enqueue.ir - serverIdlePerS * m.enqueue.seconds) / n,
    processingNetPerJob: (m.processing.ir - tailIr - serverIdlePerS * (m.processing.seconds - m.processing.tailSeconds)) / n,
    totals: { serverIdle: m.serverIdle.ir, enqueue: m.enqueue.ir, processing: m.processing.ir, workerIdle: m.workerIdle.ir },
  };
}

// ---- report ------------------------------------------------------------------------------------------------------

const fmt = (x) => Math.round(x).toLocaleString('en-US');

function printRun(i, r) {
  console.log(
    `run ${i + 1}: enqueueMany ${fmt(r.enqueuePerJob)} Ir/job (${r.enqueueSeconds.toFixed(1)} s) | ` +
      `processing ${fmt(r.processingPerJob)} Ir/job (${r.processingSeconds.toFixed(1)} s; raw ${fmt(r.processingRawPerJob)}, ` +
      `tail ${r.tailSeconds.toFixed(2)} s/${r.tailPolls} polls = ${fmt(r.tailPerJob)}) | ` +
      `idle: server ${fmt(r.serverIdlePerS)} Ir/s, worker blocked ${fmt(r.workerIdlePerS)} Ir/s`,
  );
}

function spread(values) {
  const s = [...values].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { median, min: s[0], max: s[s.length - 1], spreadPct: ((s[s.length - 1] - s[0]) / median) * 100 };
}

async function main() {
  requireTool('valgrind', ['--version'], 'install it with: apt-get install -y valgrind');
  requireTool('callgrind_control', ['--version'], 'it comes with valgrind: apt-get install -y valgrind');
  requireTool('redis-server', ['--version'], 'install it with: apt-get install -y redis-server');
  const lib = await loadCheckout(DIR);
  const redisVersion = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`checkout: ${DIR}\n  ${gitDescribe(DIR)}`);
  console.log(`${redisVersion}\njobs: ${fmt(N)} (enqueueMany in calls of ${CHUNK}; one Worker, concurrency ${CONCURRENCY}); ` +
    `payload ${Buffer.byteLength(JSON.stringify(makePayload(12_345)))} B; idle windows ${IDLE_S} s`);
  const results = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await oneRun(lib, N);
    results.push(r);
    printRun(i, r);
  }
  console.log('\nRedis instructions per job: total Ir of the phase / jobs (processing less its idle tail), and net of');
  console.log('serverCron, which ticks at wall-clock pace (idle server rate x phase time), for runs of unlike duration');
  const rows = [
    ['enqueueMany', 'enqueuePerJob', 'Ir/job', 'enqueueNetPerJob'],
    ['processing', 'processingPerJob', 'Ir/job', 'processingNetPerJob'],
    ['idle server', 'serverIdlePerS', 'Ir/s'],
    ['idle worker', 'workerIdlePerS', 'Ir/s'],
  ];
  const summary = {};
  const range = (s) => (results.length > 1 ? ` (${fmt(s.min)}..${fmt(s.max)}, spread ${s.spreadPct.toFixed(2)}%)` : '');
  for (const [label, key, unit, netKey] of rows) {
    const s = (summary[key] = spread(results.map((r) => r[key])));
    let line = `  ${label.padEnd(12)} ${fmt(s.median).padStart(10)} ${unit}${range(s)}`;
    if (netKey) {
      const net = (summary[netKey] = spread(results.map((r) => r[netKey])));
      line += `; net of cron ${fmt(net.median)}${range(net)}`;
    }
    console.log(line);
  }
  if (opts.json) console.log(JSON.stringify({ dir: DIR, checkout: gitDescribe(DIR), redis: redisVersion, jobs: N, runs: results, summary }));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
