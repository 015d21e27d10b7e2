import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { freePort, waitForPort } from '../scripts/redis-server.mjs';
import { HandlerRegistry, QueueClient, Worker, type JobContext } from '../src/index.js';
import { uniquePrefix, until } from './helpers.js';

/**
 * The commands Jobline sends (its own and, inside its Lua scripts, Redis's checks them against the user too). The
 * README's ready ACL line is this list; a test below runs every kind of call as a user limited to it.
 */
const JOBLINE_COMMANDS = [
  // connection, version check, scripts
  'ping', 'info', 'time', 'evalsha', 'eval', 'script|load', 'hello', 'client|setname',
  // reads and the worker's blocking wait and pub/sub
  'hget', 'hgetall', 'hmget', 'hscan', 'lrange', 'llen', 'zrange', 'zrangebyscore', 'zcount', 'zcard', 'smembers', 'scard', 'sscan',
  'blpop', 'blmove', 'subscribe', 'unsubscribe',
  // writes made outside scripts
  'sadd', 'hdel', 'zrem',
  // inside the scripts
  'del', 'exists', 'get', 'hexists', 'hincrby', 'hset', 'hsetnx', 'lindex', 'ltrim', 'lpop', 'lpush', 'lrem', 'persist', 'pexpire', 'publish', 'rpush', 'set',
  'smismember', 'srem', 'zadd', 'zremrangebyscore', 'lset',
  // groups (per-tenant limits): their lists and state
  'hkeys', 'zscore',
];

/** The ACL rule of a user limited to one prefix: its keys and channels, and the commands above. */
function aclRule(prefix: string, password: string): string[] {
  return ['on', `>${password}`, 'resetkeys', `~${prefix}:*`, 'resetchannels', `&${prefix}:*`, '-@all', ...JOBLINE_COMMANDS.map((c) => `+${c}`)];
}

let dir: string;
let server: ChildProcess;
let port: number;
let ca: Buffer;

/** A self-signed CA and a server certificate for 127.0.0.1 signed by it (openssl, into a temporary folder). */
function makeCertificates(d: string): void {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Jobline test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(join(d, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.crt');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jobline-tls-'));
  makeCertificates(dir);
  ca = readFileSync(join(dir, 'ca.crt'));
  port = await freePort();
  // TLS only (no plain port); clients need not present a certificate
  server = spawn(
    'redis-server',
    ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', join(dir, 'server.crt'), '--tls-key-file', join(dir, 'server.key'),
      '--tls-ca-cert-file', join(dir, 'ca.crt'), '--tls-auth-clients', 'no', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  await waitForPort(port, Date.now() + 10_000);
}, 60_000);

afterAll(async () => {
  const exited = new Promise((r) => server.once('exit', r));
  if (server.exitCode === null) server.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
});

function tls(extra: RedisOptions = {}): RedisOptions {
  return { host: '127.0.0.1', port, tls: { ca, servername: 'localhost' }, maxRetriesPerRequest: 3, ...extra };
}

/** Enqueue, process, result(), and a dependency across two queues, all through `connection`. */
async function fullRound(connection: RedisOptions, prefix: string): Promise<void> {
  const registry = new HandlerRegistry();
  registry.register({ name: 'double', source: 'sec.double', defaults: {}, handle: (d) => (d as { n: number }).n * 2 });
  registry.register({ name: 'report', source: 'sec.report', defaults: {}, handle: async (_d, ctx: JobContext) => (await ctx.updateMeta({ seen: true }), `after ${ctx.queue}`) });
  const client = new QueueClient({ connection, prefix, registry });
  const worker = new Worker(client, registry, { queues: ['alpha', 'beta'], concurrency: 4 });
  worker.start();
  try {
    const first = await client.enqueue('double', { n: 21 }, { queue: 'alpha' });
    const dependent = await client.enqueue('report', {}, { queue: 'beta', dependsOn: first });
    const many = await client.enqueueMany([1, 2, 3].map((n) => ({ name: 'double', data: { n }, options: { queue: 'alpha', group: { id: `t${n % 2}`, concurrency: 1, rateLimit: { max: 10, per: 1000 } } } })));
    expect(await first.result({ timeout: '20s' })).toBe(42);
    expect(await dependent.result({ timeout: '20s' })).toBe('after beta');
    expect(await Promise.all(many.map((h) => h.result({ timeout: '20s' })))).toEqual([2, 4, 6]);
    // a job pushed onto the inbox by another client of the same user, which the worker ingests
    const pusher = new Redis(connection);
    try {
      await pusher.rpush(`${prefix}:{alpha}:inbox`, JSON.stringify({ name: 'double', data: { n: 5 }, id: 'from-inbox' }));
    } finally {
      pusher.disconnect();
    }
    await until('the inbox entry to be ingested', async () => (await client.getJob('from-inbox', 'alpha')) !== null);
    expect(await (await client.getJob('from-inbox', 'alpha'))!.result({ timeout: '20s' })).toBe(10);
    const info = await dependent.info();
    expect(info.meta).toEqual({ seen: true });
    expect(info.dependencies).toEqual([first.id]);
    expect((await client.countJobs('alpha')).finished).toBe(5);
    expect(await client.getJobIds('beta', 'finished')).toEqual([dependent.id]);
    // the operations of the command line: pause, bulk delete, summaries, the registry of live workers
    expect(await client.pauseQueue('alpha')).toBe(true);
    await client.enqueueMany([1, 2].map((n) => ({ name: 'double', data: { n }, options: { queue: 'alpha' } })));
    expect(await client.emptyQueue('alpha')).toBe(2);
    expect(await client.deleteAll('alpha', 'finished')).toBe(5);
    expect(await client.resumeQueue('alpha')).toBe(true);
    expect((await client.getQueueSummaries(['alpha']))[0]).toMatchObject({ paused: false, counts: { queued: 0, finished: 0 } });
    expect((await client.getWorkers()).map((w) => w.id)).toEqual([worker.id]);
  } finally {
    await worker.close();
    await client.close();
  }
}

describe('security', () => {
  it('rediss:// with TLS (a self-signed CA): enqueue, process, result() and dependencies across queues', async () => {
    await fullRound(tls(), uniquePrefix('tls'));
    // the same through a rediss:// URL on an ioredis instance
    const url = new Redis(`rediss://127.0.0.1:${port}`, { tls: { ca, servername: 'localhost' } });
    const client = new QueueClient({ connection: url, prefix: uniquePrefix('tls-url') });
    try {
      expect((await client.enqueue('anything', { x: 1 })).id).toBeTruthy();
    } finally {
      await client.close();
      url.disconnect();
    }
  }, 60_000);

  it('a Redis ACL user limited to the prefix\'s keys and channels and to the commands Jobline needs runs everything', async () => {
    const prefix = uniquePrefix('acl');
    const admin = new Redis(tls());
    try {
      await admin.call('ACL', 'SETUSER', 'jobline-app', ...aclRule(prefix, 'app-secret'));
      await fullRound(tls({ username: 'jobline-app', password: 'app-secret' }), prefix);
      // the limits are real: another prefix's keys and other commands are refused
      const limited = new Redis(tls({ username: 'jobline-app', password: 'app-secret' }));
      try {
        await expect(limited.get('other:key')).rejects.toThrow(/NOPERM/);
        await expect(limited.hget('other:{q}:job:1', 's')).rejects.toThrow(/NOPERM/);
        await expect(limited.flushall()).rejects.toThrow(/NOPERM/);
        await expect(limited.call('KEYS', '*')).rejects.toThrow(/NOPERM/);
      } finally {
        limited.disconnect();
      }
      const denied = (await admin.call('ACL', 'LOG')) as unknown[];
      // only the four refusals above: Jobline itself was never refused
      expect(denied).toHaveLength(4);
    } finally {
      await admin.call('ACL', 'DELUSER', 'jobline-app');
      admin.disconnect();
    }
  }, 60_000);

  it('no job data is evaluated as code: no script loads code, and the TypeScript never evals', () => {
    const scripts = join(process.cwd(), 'src/core/redis/scripts');
    const lua = [...readdirSync(scripts).map((f) => join(scripts, f)), ...readdirSync(join(scripts, 'lib')).map((f) => join(scripts, 'lib', f))].filter((f) => f.endsWith('.lua'));
    expect(lua.length).toBeGreaterThan(10);
    for (const f of lua) expect(readFileSync(f, 'utf8')).not.toMatch(/\b(loadstring|load|dofile|loadfile|setfenv|getfenv)\s*\(/);
    const ts = (readdirSync(join(process.cwd(), 'src'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    expect(ts.length).toBeGreaterThan(10);
    for (const f of ts) expect(readFileSync(join(process.cwd(), 'src', f), 'utf8')).not.toMatch(/\beval\(|new Function\(|\bvm\.|runInContext|runInNewContext/);
  });
});
