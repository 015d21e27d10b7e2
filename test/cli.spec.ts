import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { engine } from './engine.js';
import { deferred, poll, sleep } from './helpers.js';

// The `jobline` command line, run as a child process (dist/cli/main.js, built by the test setup) against the test Redis:
// REDIS_URL from the environment (the single pass only: cluster-connect.spec runs the command line against the cluster).

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function jobline(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/cli/main.js', ...args], { env: { ...process.env, NO_COLOR: '', ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/**
 * Runs commands one after another in one process (test/fixtures/cli-runner.mjs: the program dist/cli/main.js runs,
 * with its stdout, stderr and exit code), for the tests about what commands do and print: a process start per command
 * takes seconds on a loaded machine. What is about the process itself (exit codes, the 5 s bound with the start
 * included, signals) runs `jobline` as its own process.
 */
class Runner {
  private readonly child: ChildProcess;
  private readonly answers: ((line: string) => void)[] = [];
  private last: Promise<unknown> = Promise.resolve();

  constructor() {
    this.child = spawn(process.execPath, ['test/fixtures/cli-runner.mjs'], { env: { ...process.env, NO_COLOR: '' }, stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.answers.shift()?.(line));
  }

  run(args: string[]): Promise<Run> {
    const next = this.last.then(
      () =>
        new Promise<Run>((resolve) => {
          const started = Date.now();
          this.answers.push((line) => resolve({ ...(JSON.parse(line) as Omit<Run, 'ms'>), ms: Date.now() - started }));
          this.child.stdin!.write(`${JSON.stringify(args)}\n`);
        }),
    );
    this.last = next;
    return next;
  }

  async close(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin!.end();
    await exited;
  }
}

let runner: Runner;
beforeAll(() => {
  runner = new Runner();
});
afterAll(() => runner.close());

/** A command in the shared process (Runner). */
function command(args: string[]): Promise<Run> {
  return runner.run(args);
}

/** Runs with --json on `prefix`, expects exit 0 and one JSON document, and returns it. */
async function json<T = Record<string, unknown>>(prefix: string, args: string[]): Promise<T> {
  const r = await command(['--prefix', prefix, ...args, '--json']);
  expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
  return JSON.parse(r.stdout) as T;
}

type Counts = Record<string, number>;
type QueuesJson = { queues: { name: string; paused: boolean; workers: number; counts: Counts }[] };

// each command is a node process start, which takes seconds on a loaded machine: generous per-test timeouts
const SLOW = 240_000;

describe('jobline command line', () => {
  it('enqueue (now and delayed), queues, jobs, job, cancel, requeue, promote, delete, pause, resume, empty: each one run with --json, and for people', async () => {
    const e = engine('cli', {});
    const p = e.prefix;
    // enqueue with data and options, into a queue no worker consumes
    const first = await json<{ id: string; name: string; queue: string; status: string }>(p, ['enqueue', 'mail.send', '--queue', 'mail', '--data', '{"to":"a@b.c"}', '--description', 'hello', '--meta', '{"k":1}', '--timeout', '30s']);
    expect(first).toMatchObject({ name: 'mail.send', queue: 'mail', status: 'queued' });
    const second = await json<{ id: string }>(p, ['enqueue', 'mail.digest', '-q', 'mail', '--job-id', 'digest-1']);
    expect(second.id).toBe('digest-1');
    const info = await e.client.getJob(first.id).then((h) => h!.info());
    expect(info).toMatchObject({ data: { to: 'a@b.c' }, description: 'hello', meta: { k: 1 }, timeoutMs: 30_000 });

    const queues = await json<QueuesJson>(p, ['queues']);
    expect(queues.queues).toEqual([{ name: 'mail', paused: false, workers: 0, counts: expect.objectContaining({ queued: 2, failed: 0, started: 0 }) }]);
    const people = await command(['--prefix', p, 'queues']);
    expect(people.code).toBe(0);
    expect(people.stdout).toMatch(/^QUEUE\s+QUEUED\s+DEFERRED/);
    expect(people.stdout).toMatch(/\nmail\s+2\s+0/);
    expect(people.stdout).not.toMatch(/\u001b\[/); // no colour when stdout is not a terminal

    const page = await json<{ total: number; jobs: { id: string; name: string }[] }>(p, ['jobs', 'mail', '--limit', '1', '--offset', '1']);
    expect(page).toMatchObject({ total: 2, jobs: [{ id: 'digest-1', name: 'mail.digest' }] });
    const one = await json<{ id: string; status: string; data: unknown }>(p, ['job', first.id]);
    expect(one).toMatchObject({ id: first.id, status: 'queued', data: { to: 'a@b.c' } });
    expect((await command(['--prefix', p, 'job', first.id])).stdout).toMatch(/status\s+queued/);

    // cancel: one done, one missing (exit 1, still reported)
    const cancel = await command(['--prefix', p, 'cancel', first.id, 'no-such-job', '--json']);
    expect(cancel.code).toBe(1);
    expect(JSON.parse(cancel.stdout)).toEqual({ canceled: [first.id], missing: ['no-such-job'], refused: [] });
    // requeue by id puts the canceled job back
    expect(await json(p, ['requeue', first.id])).toEqual({ requeued: [first.id], missing: [], refused: [] });
    // promote: only scheduled jobs can be; a queued one is refused (exit 1)
    const promote = await command(['--prefix', p, 'promote', first.id, '--json']);
    expect(promote.code).toBe(1);
    expect(JSON.parse(promote.stdout)).toEqual({ promoted: [], missing: [], refused: [{ id: first.id, status: 'queued' }] });
    // a delayed job is scheduled, listed with its run time, and promote makes it queued
    const delayed = await json<{ id: string; status: string }>(p, ['enqueue', 'mail.send', '-q', 'mail', '--delay', '1h']);
    expect(delayed.status).toBe('scheduled');
    const scheduledPage = await json<{ total: number; jobs: { id: string; scheduledFor: string }[] }>(p, ['jobs', 'mail', '--status', 'scheduled']);
    expect(scheduledPage.jobs.map((j) => j.id)).toEqual([delayed.id]);
    expect(Date.parse(scheduledPage.jobs[0]!.scheduledFor)).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect((await command(['--prefix', p, 'jobs', 'mail', '--status', 'scheduled'])).stdout).toMatch(/^ID\s+NAME\s+STATUS\s+ENQUEUED\s+RUNS AT/);
    expect(await json(p, ['promote', delayed.id])).toEqual({ promoted: [delayed.id], missing: [], refused: [] });
    expect(await e.client.getJob(delayed.id).then((h) => h!.getStatus())).toBe('queued');
    // delete by id
    expect(await json(p, ['delete', 'digest-1', delayed.id])).toEqual({ deleted: ['digest-1', delayed.id], missing: [], refused: [] });

    // pause: a worker started now fetches nothing until resume
    expect(await json(p, ['pause', 'mail'])).toEqual({ queue: 'mail', paused: true, changed: true });
    expect((await json<QueuesJson>(p, ['queues'])).queues[0]!.paused).toBe(true);
    const ran = deferred<string>();
    e.registry.register({ name: 'mail.send', source: 'test', defaults: {}, handle: (d: unknown) => ran.resolve(JSON.stringify(d)) });
    e.worker({ queues: ['mail'], blockTime: 0.1 });
    await sleep(300);
    expect(await e.client.getJob(first.id).then((h) => h!.getStatus())).toBe('queued');
    expect(await json(p, ['resume', 'mail'])).toEqual({ queue: 'mail', paused: false, changed: true });
    expect(await ran.promise).toBe('{"to":"a@b.c"}');

    // empty: refused without --yes off a terminal (usage, exit 2), then done with it
    await e.client.enqueueMany(Array.from({ length: 5 }, () => ({ name: 'other', options: { queue: 'bulk' } })));
    const refused = await command(['--prefix', p, 'empty', 'bulk']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Add --yes to confirm/);
    expect(await json(p, ['empty', 'bulk', '--yes'])).toEqual({ deleted: 5, queue: 'bulk' });
    expect((await e.client.countJobs('bulk')).queued).toBe(0);

    // delete-queue: refused without --yes too, then every key of the queue goes
    await e.client.enqueue('other', null, { queue: 'bulk', delay: '1h' });
    expect((await command(['--prefix', p, 'delete-queue', 'bulk'])).code).toBe(2);
    expect(await json(p, ['delete-queue', 'bulk', '--yes'])).toEqual({ queue: 'bulk', deleted: true, keys: expect.any(Number), ids: 0 });
    expect(await e.client.getQueues()).not.toContain('bulk');
    expect(await e.redis.keys(`${e.base('bulk')}*`)).toEqual([]);
  }, SLOW);

  it('job <id> of an inbox entry that stored nothing (a live job held its unique key) shows that job, marked; acting on it is refused as missing', async () => {
    const e = engine('cli-dup', {});
    const live = await e.client.enqueue('job', { n: 1 }, { unique: true });
    await e.redis.rpush(`${e.prefix}:{default}:inbox`, JSON.stringify({ name: 'job', data: { n: 1 }, options: { unique: true }, id: 'dup-entry' }));
    expect(await e.client.ingestInbox('default')).toMatchObject({ duplicates: 1 });
    expect(await json(e.prefix, ['job', 'dup-entry'])).toMatchObject({ id: live.id, status: 'queued', duplicate: true });
    const people = await command(['--prefix', e.prefix, 'job', 'dup-entry']);
    expect(people.stdout).toMatch(new RegExp(`^duplicate\\s+entry dup-entry stored nothing: job ${live.id} held its unique key\\n`));
    const cancel = await command(['--prefix', e.prefix, 'cancel', 'dup-entry', '--json']);
    expect([cancel.code, JSON.parse(cancel.stdout)]).toEqual([1, { canceled: [], missing: ['dup-entry'], refused: [] }]);
    expect(await live.getStatus()).toBe('queued');
  });

  it('requeue --all and delete --all handle every job of a status, batch by batch', async () => {
    const e = engine('cli-bulk', { flaky: () => Promise.reject(new Error('down')) }, { logFailedJobs: false, noWorkerWarning: false });
    const p = e.prefix;
    await e.client.enqueueMany(Array.from({ length: 2500 }, () => ({ name: 'flaky' })));
    const w = e.worker({ concurrency: 100 });
    await poll(() => e.client.countJobs('default'), (c) => c.failed === 2500, 30_000);
    await w.close();
    // --progress: a JSON line on stderr per batch of 1000, then the result on stdout
    const bulk = await command(['--prefix', p, 'requeue', '--all', '--queue', 'default', '--json', '--progress']);
    expect(bulk.code).toBe(0);
    expect(JSON.parse(bulk.stdout)).toEqual({ requeued: 2500, queue: 'default', status: 'failed' });
    expect(bulk.stderr.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual(
      [0, 1000, 2000, 2500].map((done) => ({ progress: { done, total: 2500 } })),
    );
    expect(await e.client.countJobs('default')).toMatchObject({ queued: 2500, failed: 0 });
    const noStatus = await command(['--prefix', p, 'delete', '--all', '--queue', 'default', '--yes']);
    expect(noStatus.code).toBe(2);
    // for people, off a terminal: plain progress lines
    const deleted = await command(['--prefix', p, 'delete', '--all', '--status', 'queued', '--queue', 'default', '--yes', '--progress']);
    expect(deleted).toMatchObject({ code: 0, stdout: 'Deleted 2500 queued job(s) of queue default.\n' });
    expect(deleted.stderr).toBe(['0', '1000', '2000', '2500'].map((n) => `Deleting queued jobs: ${n}/2500\n`).join(''));
    expect((await e.client.countJobs('default')).queued).toBe(0);
  }, SLOW);

  it('workers lists live workers; schedules lists the recurring schedules and runs one now; queues --watch prints a document per interval until stopped', async () => {
    const e = engine('cli-workers', {});
    const w = e.worker({ queues: ['alpha', 'beta'], concurrency: 3 });
    const list = await poll(
      () => json<{ workers: { id: string; queues: string[]; concurrency: number; pid: number }[] }>(e.prefix, ['workers']),
      (l) => l.workers.length === 1,
    );
    expect(list.workers[0]).toMatchObject({ id: w.id, queues: ['alpha', 'beta'], concurrency: 3, pid: process.pid });
    expect((await command(['--prefix', e.prefix, 'workers'])).stdout).toContain(w.id);
    expect(await json(e.prefix, ['schedules'])).toEqual({ schedules: [] });
    await e.client.upsertSchedule('nightly', { cron: '0 3 * * *' }, 'report', { full: true }, { queue: 'alpha' });
    const listed = await json<{ schedules: { id: string; name: string; queue: string; rule: unknown; nextRunAt: string }[] }>(e.prefix, ['schedules']);
    expect(listed.schedules).toEqual([expect.objectContaining({ id: 'nightly', name: 'report', queue: 'alpha', rule: expect.objectContaining({ cron: '0 3 * * *' }) })]);
    expect(new Date(listed.schedules[0]!.nextRunAt).getUTCHours()).toBe(3);
    expect((await command(['--prefix', e.prefix, 'schedules'])).stdout).toMatch(/\nnightly\s+report\s+alpha\s+cron 0 3 \* \* \*/);
    // schedules run <id>: the schedule's job now, its next tick unchanged; an unknown id is an error (exit 1)
    const ran = await json<{ schedule: string; id: string; name: string; queue: string; status: string }>(e.prefix, ['schedules', 'run', 'nightly']);
    expect(ran).toMatchObject({ schedule: 'nightly', name: 'report', queue: 'alpha' });
    expect((await e.client.getJob(ran.id))?.name).toBe('report');
    expect((await e.client.getSchedules())[0]!.nextRunAt!.toISOString()).toBe(listed.schedules[0]!.nextRunAt);
    expect((await command(['--prefix', e.prefix, 'schedules', 'run', 'nightly'])).stdout).toMatch(/^Ran schedule nightly: job \S+ \(report\) in queue alpha, /);
    const missing = await command(['--prefix', e.prefix, 'schedules', 'run', 'no-such']);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('Schedule no-such does not exist')]);

    const child = spawn(process.execPath, ['dist/cli/main.js', '--prefix', e.prefix, 'queues', '--watch', '--interval', '1', '--json'], {
      env: process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const lines: QueuesJson[] = [];
    const twoLines = new Promise<void>((resolve) =>
      createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(JSON.parse(line) as QueuesJson);
        if (lines.length === 2) resolve();
      }),
    );
    await twoLines;
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(lines[1]!.queues.map((q) => [q.name, q.workers])).toEqual([
      ['alpha', 1],
      ['beta', 1],
    ]);
  }, SLOW);

  it('serve answers the metrics, a health check and the dashboard over HTTP, and stops on SIGTERM', async () => {
    const e = engine('cli-serve', { quick: () => 1 });
    e.worker();
    await (await e.client.enqueue('quick')).result({ timeout: '5s' });
    const child = spawn(process.execPath, ['dist/cli/main.js', '--prefix', e.prefix, 'serve', '--port', '0', '--json'], {
      env: process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const started = await new Promise<{ url: string; routes: { path: string }[] }>((resolve) =>
        createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line) as { url: string; routes: { path: string }[] })),
      );
      expect(started.routes.map((r) => r.path)).toEqual(['/metrics', '/jobline', '/jobline/', '/jobline/', '/health']);
      const metrics = await fetch(`${started.url}/metrics`);
      expect(metrics.status).toBe(200);
      const text = await metrics.text();
      expect(text).toContain('jobline_queue_jobs{queue="default",status="finished"} 1');
      expect(text).toContain('jobline_workers{queue="default"} 1');
      const health = await fetch(`${started.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ up: true });
      expect((await fetch(`${started.url}/nope`)).status).toBe(404);
      // the dashboard: its overview lists the queue, and an action without the CSRF token is refused
      const dashboard = await fetch(`${started.url}/jobline/`);
      expect(dashboard.status).toBe(200);
      expect(await dashboard.text()).toContain('data-count="default:finished">1<');
      expect((await fetch(`${started.url}/jobline/actions/pause`, { method: 'POST', body: new URLSearchParams({ queue: 'default' }) })).status).toBe(403);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, SLOW);

  it('serve --api-key mounts the HTTP API: an add with the key runs, one without it is 401', async () => {
    const e = engine('cli-serve-api', { quick: (d: { n: number }) => d.n * 2 });
    e.worker();
    const key = 'a-serve-key-of-16+chars';
    const child = spawn(process.execPath, ['dist/cli/main.js', '--prefix', e.prefix, 'serve', '--port', '0', '--json', '--api-key', key], {
      env: process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const started = await new Promise<{ url: string; api: string | null }>((resolve) =>
        createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line) as { url: string; api: string | null })),
      );
      expect(started.api).toBe('/queue/');
      const body = JSON.stringify({ queue: 'default', name: 'quick', data: { n: 21 } });
      const refused = await fetch(`${started.url}/queue/add`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(refused.status).toBe(401);
      const added = await fetch(`${started.url}/queue/add`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
      expect(added.status).toBe(201);
      const { id } = (await added.json()) as { id: string };
      const result = await fetch(`${started.url}/queue/jobs/${id}/result?wait=10s`, { headers: { 'x-api-key': key } });
      expect(result.status).toBe(200);
      expect(await e.client.getJob(id).then((h) => h?.result({ timeout: '5s' }))).toBe(42);
      expect((await fetch(`${started.url}/metrics`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, SLOW);

  it('exit codes: 2 for a usage mistake, 1 for an error, and an unreachable Redis said within 5 s', async () => {
    const prefix = engine('cli-codes', {}).prefix;
    // alone: its time (a process start, then a usage mistake before connecting) sets the bound below
    const badStatus = await jobline(['--prefix', prefix, 'jobs', 'q', '--status', 'bogus']);
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toMatch(/--status must be one of queued/);
    // independent processes: at once
    const [unknown, badData, badOption, missing, help, badNodes, downJson] = await Promise.all([
      jobline(['--prefix', prefix, 'frobnicate']),
      jobline(['--prefix', prefix, 'enqueue', 'x', '--data', '{nope']),
      jobline(['--prefix', prefix, 'enqueue', 'x', '--ttl', 'soon']),
      jobline(['--prefix', prefix, 'job', 'no-such-job', '--json']),
      jobline(['--help']),
      jobline(['--cluster', 'nohost', 'queues']),
      jobline(['--url', 'redis://127.0.0.1:1', 'workers', '--json']),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
    expect(badData.code).toBe(2);
    expect(badData.stderr).toMatch(/--data must be JSON/);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toMatch(/Invalid option `ttl`/);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stderr)).toEqual({ error: { name: 'JobNotFoundError', message: expect.stringContaining('no-such-job') } });
    expect(help.code).toBe(0);
    expect(badNodes.code).toBe(2);
    expect(badNodes.stderr).toMatch(/--cluster must list cluster nodes as host:port/);
    expect(downJson.code).toBe(1);
    expect(JSON.parse(downJson.stderr).error.name).toBe('RedisUnreachableError');
    // nothing listens on port 1: a clear message, exit 1, within 5 s (process start included). A loaded machine can
    // take seconds just to start node and load the package: then the bound is that start (a run that fails on a
    // usage mistake before connecting, badStatus above) plus 3.5 s, the CLI's own wait being 2.5 s at most
    const bound = Math.max(5000, badStatus.ms + 3500);
    const down = await jobline(['--url', 'redis://127.0.0.1:1', 'queues']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/Redis at redis:\/\/127\.0\.0\.1:1 is unreachable \(connect ECONNREFUSED/);
    expect(down.ms).toBeLessThan(bound);
    // a server that accepts the connection and never answers (a firewall, a hung host): the same, within 5 s
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as AddressInfo).port;
      const hung = await jobline(['--url', `redis://127.0.0.1:${port}`, 'queues']);
      expect(hung.code).toBe(1);
      expect(hung.stderr).toMatch(new RegExp(`Redis at redis://127\\.0\\.0\\.1:${port} is unreachable`));
      expect(hung.ms).toBeLessThan(bound);
    } finally {
      silent.close();
    }
  }, SLOW);
});
