// `npm run bench:http`: issue 14's three figures on a private redis-server, against runqy's published ones:
// HTTP add-batch (1,000 jobs a request, 4 clients), single HTTP add (50 in flight), and the direct Redis path
// (RPUSH of inbox entries pipelined from one client, ingestion into queued jobs included). One run each, after a
// warm-up; the API server runs in a child process, as it would beside its clients.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { QueueClient } from '../src/index.js';
import { makePayloads } from './payload.js';
import { startPrivateRedis } from './private-redis.js';

const KEY = 'bench-key-0123456789abcdef';
const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const BATCH_JOBS = Number(args.get('batch-jobs') ?? 200_000);
const SINGLE_JOBS = Number(args.get('single-jobs') ?? 20_000);
const DIRECT_JOBS = Number(args.get('direct-jobs') ?? 200_000);

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function post(port: number, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: '127.0.0.1', port, path, method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `count` tasks, `inFlight` at a time; resolves to elapsed ms. Every answer must be 201. */
async function drive(count: number, inFlight: number, task: (i: number) => Promise<number>): Promise<number> {
  let next = 0;
  let bad = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const i = next++;
        if ((await task(i)) !== 201) bad++;
      }
    }),
  );
  if (bad) throw new Error(`${bad} requests were not answered 201`);
  return performance.now() - t0;
}

/** CPU seconds used so far by the API server (a child), Redis and this process (the clients, and the direct path's ingest calls). */
interface Cpu {
  server: number;
  redis: number;
  clients: number;
}

async function cpuNow(admin: Redis, serverPid: number): Promise<Cpu> {
  const stat = readFileSync(`/proc/${serverPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const info = await admin.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)![1]);
  const own = process.cpuUsage();
  return { server: (Number(stat[11]) + Number(stat[12])) / 100, redis: field('used_cpu_user') + field('used_cpu_sys'), clients: (own.user + own.system) / 1e6 };
}

/**
 * A measured part: its wall-clock rate (this loaded machine), and the CPU each process spent per job, from which the
 * rate of a quiet 2-core machine follows: bounded by the busiest single-threaded process, and by 2 cores for all.
 */
async function measured(label: string, runqy: string, jobs: number, part: () => Promise<void>): Promise<void> {
  const before = await cpuNow(admin, child.pid!);
  const t0 = performance.now();
  await part();
  const ms = performance.now() - t0;
  const after = await cpuNow(admin, child.pid!);
  const used = { server: after.server - before.server, redis: after.redis - before.redis, clients: after.clients - before.clients };
  const busiest = Math.max(used.server, used.redis, used.clients);
  const quiet = jobs / Math.max(busiest, (used.server + used.redis + used.clients) / 2);
  rows.push({ label, runqy, wall: (jobs / ms) * 1000, quiet, perJobUs: { server: (used.server / jobs) * 1e6, redis: (used.redis / jobs) * 1e6, clients: (used.clients / jobs) * 1e6 } });
}

async function startServer(url: string): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [...(process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []), new URL('./http-server.js', import.meta.url).pathname, url, KEY], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { port: Number(line), child };
}

const redis = await startPrivateRedis();
const admin = new Redis(redis.url);
const { port, child } = await startServer(redis.url);
const rows: { label: string; runqy: string; wall: number; quiet: number; perJobUs: Cpu }[] = [];
try {
  const payloads = makePayloads(Math.max(BATCH_JOBS, SINGLE_JOBS, DIRECT_JOBS));
  const queued = async () => admin.llen('bench-http:{default}:queued');

  // add-batch: 1,000 jobs a request, 4 clients
  const batchBody = (i: number) => JSON.stringify({ queue: 'default', name: 'noop', jobs: payloads.slice(i * 1000, i * 1000 + 1000).map((data) => ({ data })) });
  await drive(20, 4, (i) => post(port, '/queue/add-batch', batchBody(i % 20))); // warm-up
  await admin.flushall();
  const bodies = Array.from({ length: BATCH_JOBS / 1000 }, (_, i) => batchBody(i));
  await measured('HTTP add-batch (1,000 jobs a request, 4 clients)', '35,000-50,000', BATCH_JOBS, async () => {
    await drive(bodies.length, 4, (i) => post(port, '/queue/add-batch', bodies[i]!));
  });
  if ((await queued()) !== BATCH_JOBS) throw new Error(`add-batch: ${await queued()} of ${BATCH_JOBS} queued`);

  // single add, 50 in flight
  const singleBody = (i: number) => JSON.stringify({ queue: 'default', name: 'noop', data: payloads[i] });
  await drive(2000, 50, (i) => post(port, '/queue/add', singleBody(i)));
  await admin.flushall();
  const singles = Array.from({ length: SINGLE_JOBS }, (_, i) => singleBody(i));
  await measured('HTTP add (one job a request, 50 in flight)', '~800-1,000', SINGLE_JOBS, async () => {
    await drive(SINGLE_JOBS, 50, (i) => post(port, '/queue/add', singles[i]!));
  });
  if ((await queued()) !== SINGLE_JOBS) throw new Error(`add: ${await queued()} of ${SINGLE_JOBS} queued`);

  // direct: one RPUSH per job, pipelined from one client, until every entry is a queued job (ingest.lua, as a worker runs it)
  await admin.flushall();
  const client = new QueueClient({ connection: redis.url, prefix: 'bench-http', noWorkerWarning: false });
  const pusher = new Redis(redis.url);
  const entries = payloads.slice(0, DIRECT_JOBS).map((data, i) => JSON.stringify({ name: 'noop', data, id: `d-${i}` }));
  const inbox = 'bench-http:{default}:inbox';
  await measured('Direct Redis (RPUSH pipelined, one client, ingestion included)', '40,000-80,000', DIRECT_JOBS, async () => {
  let pushed = false;
  const pushing = (async () => {
    for (let from = 0; from < entries.length; from += 1000) {
      const p = pusher.pipeline();
      for (let i = from; i < Math.min(from + 1000, entries.length); i++) p.rpush(inbox, entries[i]!);
      await p.exec();
    }
    pushed = true;
  })();
  let made = 0;
  while (made < DIRECT_JOBS) {
    made += (await client.ingestInbox('default')).jobs;
    if (!pushed && made < DIRECT_JOBS) await new Promise((r) => setImmediate(r));
  }
  await pushing;
  });
  if ((await queued()) !== DIRECT_JOBS) throw new Error(`direct: ${await queued()} of ${DIRECT_JOBS} queued`);
  await pusher.quit();
  await client.close();
} finally {
  child.kill();
  await once(child, 'exit');
  agent.destroy();
  await admin.quit();
  await redis.stop();
}
const f = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(`load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
console.log('| path | jobs/s here (wall) | CPU µs/job: API server / Redis / clients | jobs/s on 2 quiet cores (from CPU) | runqy (its docs) |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) {
  const u = r.perJobUs;
  console.log(`| ${r.label} | ${f(r.wall)} | ${u.server.toFixed(1)} / ${u.redis.toFixed(1)} / ${u.clients.toFixed(1)} | ${f(r.quiet)} | ${r.runqy} |`);
}
