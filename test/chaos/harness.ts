// The chaos run shared by test/chaos.spec.ts (a few thousand jobs) and `npm run chaos` (scripts/run-chaos.mjs, 100,000):
// worker processes (test/fixtures/chaos-worker.mjs over dist/) killed with SIGKILL at random and replaced, and the
// run's own redis-server (AOF, appendfsync always) stopped by SHUTDOWN or SIGKILL and started again on its port, while
// a producer enqueues a seeded mix of jobs. Then it proves, from the jobs' statuses and the workers' logs of every
// handler run: nothing lost, nothing left started, a run repeated only where a kill cut it short, every callback run,
// every dependent started after its dependencies ended. Only the public API is used.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueClient, type EnqueueItem, type EnqueueOptions, type JobHandle, type JobStatus, type Logger } from '../../src/index.js';
import type { RedisServer, RedisServerOptions } from '../../scripts/redis-server.mjs';

export interface ChaosOptions {
  /** Seeds every random choice: the jobs, which worker is killed when, how Redis is stopped. */
  seed: number;
  /** About how many jobs (whole groups are planned, so a few more). */
  jobs: number;
  /** Worker processes alive at once (each killed one is replaced). */
  workers: number;
  concurrency: number;
  /** Lease of the workers; a killed worker's jobs come back once it runs out. */
  leaseTime: string;
  /**
   * Workers are killed and Redis restarted for this long, and then on while the workers catch up (until fewer jobs
   * wait than they have slots), for at most `catchUpMs` more: the faults hit most of the run on a slow machine too.
   */
  chaosMs: number;
  catchUpMs: number;
  /** The producer spreads its enqueue calls over this long. */
  enqueueMs: number;
  /** A worker is killed every this many ms (uniform in the range). */
  killEveryMs: [number, number];
  /** Redis is stopped every this many ms (uniform), in turns of one SHUTDOWN and one SIGKILL in a seeded order. */
  redisStopEveryMs: [number, number];
  /** Longest handler run (ms); a quarter of the jobs return synchronously. */
  maxJobMs: number;
  /** Once the chaos ends, the run counts as stuck when no job ends for this long. */
  drainTimeoutMs: number;
  startRedis: (options: RedisServerOptions) => Promise<RedisServer>;
  /** Path of test/fixtures/chaos-worker.mjs. */
  workerScript: string;
  /** Progress lines (the long run prints them). */
  progress?: (line: string) => void;
  /** Ends the run at once (Ctrl-C of the long run): every worker process and the Redis server are killed. */
  signal?: AbortSignal;
}

export interface ChaosReport {
  seed: number;
  jobs: number;
  expected: Record<'finished' | 'failed' | 'canceled', number>;
  workerProcesses: number;
  kills: number;
  redisRestarts: { graceful: number; sigkill: number };
  enqueueRetries: number;
  handlerRuns: number;
  /** Jobs that did not end as planned (missing, or in another status). Must be 0. */
  lost: number;
  /**
   * Runs repeated, by cause: a kill cut the run short before its handler ended, or after, before its outcome was
   * recorded; or the run's worker could not reach Redis (its connection down after a Redis stop) when the job was
   * taken back, so its lease had run out.
   */
  reruns: { midRun: number; afterEnd: number; redisLoss: number };
  callbacks: { onSuccess: number; onFailure: number };
  durationMs: number;
  /** From the end of the chaos until every job had ended. */
  drainMs: number;
  /** Jobs that had ended when the chaos ended (the rest ran without faults). */
  endedInChaos: number;
  /** How long workers' connections were down per Redis stop (close to ready, from their logs): longest and mean, ms. */
  workerOutageMs: { max: number; mean: number };
  /** Every violated property, with the job and the evidence. Empty on success. */
  problems: string[];
  /** The run's directory (logs, Redis files); kept when there are problems. */
  dir: string;
}

type Expected = keyof ChaosReport['expected'];

interface PlannedJob {
  id: string;
  queue: string;
  fails: boolean;
  expected: Expected;
  onSuccess: boolean;
  onFailure: boolean;
  /** Ids of the jobs it depends on. */
  parents: string[];
}

interface Run {
  proc: number;
  attempt: number;
  start: bigint;
  end: bigint | null;
}

interface WorkerProc {
  n: number;
  child: ChildProcess;
  log: string;
  /** A warm spare: modules loaded, waiting for 'start' before it connects (see chaos-worker.mjs). */
  standby: boolean;
  /** It printed "ready": its worker runs (a process still loading its modules has nothing to lose). */
  ready: boolean;
  killedAt: bigint | null;
  exited: Promise<void>;
}

const QUEUES = ['chaos-a', 'chaos-b'];
const PREFIX = 'chaos';
/** Most jobs per enqueueMany call (a group of dependent jobs is never split). */
const BATCH = 200;
/** Generous: a job may be cut short by several kills in a row; abandoning it is not what this run checks. */
const ATTEMPTS = 10;

/** mulberry32: small, seedable, good enough to pick test cases. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The jobs to enqueue, in enqueueMany calls: singles, chains and fan-ins across both queues, failures and callbacks. */
function planJobs(rng: () => number, total: number, maxJobMs: number): { batches: EnqueueItem[][]; jobs: Map<string, PlannedJob> } {
  const jobs = new Map<string, PlannedJob>();
  const batches: EnqueueItem[][] = [[]];
  let n = 0;
  const pick = <T>(xs: T[]): T => xs[Math.floor(rng() * xs.length)]!;
  const other = (q: string) => (q === QUEUES[0] ? QUEUES[1]! : QUEUES[0]!);
  const add = (
    queue: string,
    fails: boolean,
    expected: Expected,
    cb: { onSuccess?: boolean; onFailure?: boolean } = {},
    deps?: { parents: string[]; allowFailure?: boolean; cancel?: boolean },
  ): string => {
    const id = `j${++n}`;
    const options: EnqueueOptions = { queue, jobId: id, resultTtl: '2h', attempts: ATTEMPTS };
    if (cb.onSuccess) options.onSuccess = 'chaos.onSuccess';
    if (cb.onFailure) options.onFailure = 'chaos.onFailure';
    if (deps) {
      options.dependsOn = deps.allowFailure ? { jobs: deps.parents, allowFailure: true } : deps.parents;
      if (deps.cancel) options.onDependencyFailure = 'cancel';
    }
    const ms = rng() < 0.25 ? 0 : 1 + Math.floor(rng() * maxJobMs);
    batches[batches.length - 1]!.push({ name: fails ? 'chaos.fail' : 'chaos.work', data: { ms }, options });
    jobs.set(id, { id, queue, fails, expected, onSuccess: !!cb.onSuccess, onFailure: !!cb.onFailure, parents: deps?.parents ?? [] });
    return id;
  };
  const callbacks = () => ({ onSuccess: rng() < 0.3, onFailure: rng() < 0.1 });
  while (jobs.size < total) {
    if (batches[batches.length - 1]!.length >= BATCH) batches.push([]);
    const r = rng();
    const q = pick(QUEUES);
    if (r < 0.4) {
      add(q, false, 'finished', callbacks());
    } else if (r < 0.5) {
      add(q, true, 'failed', { onFailure: rng() < 0.5 });
    } else if (r < 0.68) {
      // a chain that crosses queues at each step
      const a = add(q, false, 'finished', callbacks());
      const b = add(other(q), false, 'finished', callbacks(), { parents: [a] });
      add(q, false, 'finished', callbacks(), { parents: [b] });
    } else if (r < 0.85) {
      // fan-in: two to four dependencies in either queue
      const parents = Array.from({ length: 2 + Math.floor(rng() * 3) }, () => add(pick(QUEUES), false, 'finished', callbacks()));
      add(pick(QUEUES), false, 'finished', callbacks(), { parents });
    } else if (r < 0.93) {
      const p = add(q, true, 'failed', { onFailure: rng() < 0.5 });
      add(other(q), false, 'finished', callbacks(), { parents: [p], allowFailure: true });
    } else {
      // a failure cancels its dependent, and that one's own dependent in turn
      const p = add(q, true, 'failed');
      const c = add(other(q), false, 'canceled', {}, { parents: [p], cancel: true });
      add(q, false, 'canceled', {}, { parents: [c], cancel: true });
    }
  }
  return { batches, jobs };
}

/** Runs the chaos and checks its outcome; resolves with the figures and every problem found (never rejects for those). */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const began = Date.now();
  const rng = prng(o.seed);
  const dir = mkdtempSync(join(tmpdir(), 'jobline-chaos-'));
  const redisDir = join(dir, 'redis');
  mkdirSync(redisDir);
  const problems: string[] = [];
  const say = o.progress ?? (() => undefined);
  const eventsFile = openSync(join(dir, 'events.log'), 'a');
  /** What the harness did when, on the workers' clock (see chaos-worker.mjs), for reading a failed run's logs. */
  const event = (what: string) => writeSync(eventsFile, `${what} ${process.hrtime.bigint()}\n`);
  const { batches, jobs } = planJobs(rng, o.jobs, o.maxJobMs);
  const redisOptions = (port?: number): RedisServerOptions => ({ port, dir: redisDir, appendonly: true, appendfsync: 'always' });
  let server = await o.startRedis(redisOptions());
  const quiet: string[] = [];
  const logger: Logger = { log: () => undefined, warn: (m) => quiet.push(m), error: (m) => quiet.push(m) };
  const producer = new QueueClient({ connection: server.url, prefix: PREFIX, logger });
  const procs: WorkerProc[] = [];
  const report: ChaosReport = {
    seed: o.seed,
    jobs: jobs.size,
    expected: { finished: 0, failed: 0, canceled: 0 },
    workerProcesses: 0,
    kills: 0,
    redisRestarts: { graceful: 0, sigkill: 0 },
    enqueueRetries: 0,
    handlerRuns: 0,
    lost: 0,
    reruns: { midRun: 0, afterEnd: 0, redisLoss: 0 },
    callbacks: { onSuccess: 0, onFailure: 0 },
    durationMs: 0,
    drainMs: 0,
    endedInChaos: 0,
    workerOutageMs: { max: 0, mean: 0 },
    problems,
    dir,
  };
  for (const j of jobs.values()) report.expected[j.expected]++;

  const spawnWorker = (standby: boolean): WorkerProc => {
    const n = procs.length + 1;
    const log = join(dir, `w${n}.log`);
    const err = openSync(join(dir, `w${n}.err`), 'a');
    const child = spawn(process.execPath, [o.workerScript], {
      env: {
        ...process.env,
        REDIS_URL: server.url,
        PREFIX,
        QUEUES: QUEUES.join(','),
        CONCURRENCY: String(o.concurrency),
        LEASE: o.leaseTime,
        LOG: log,
        STANDBY: standby ? '1' : '',
      },
      // the IPC channel only tells the worker when this process is gone, so it never outlives the run
      stdio: ['ignore', 'pipe', err, 'ipc'],
    });
    closeSync(err);
    event(`spawn ${n}`);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const proc: WorkerProc = { n, child, log, standby, ready: false, killedAt: null, exited };
    child.stdout!.on('data', (chunk: Buffer) => {
      if (!proc.ready && chunk.toString().includes('ready')) proc.ready = true;
    });
    procs.push(proc);
    return proc;
  };
  const live = () => procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null && p.killedAt === null && !p.standby);
  /** A new worker: the warm spare when there is one (and a new spare behind it), else a fresh process. */
  const replace = () => {
    const spare = procs.find((p) => p.standby && p.child.exitCode === null && p.child.signalCode === null);
    if (spare) {
      spare.standby = false;
      spare.child.send('start');
      event(`start ${spare.n}`);
    } else {
      spawnWorker(false);
    }
    spawnWorker(true);
  };

  try {
    for (let i = 0; i < o.workers; i++) spawnWorker(false);
    spawnWorker(true);
    const start = Date.now();
    const chaosEnds = start + o.chaosMs;
    let chaos = true;
    let endChaos: () => void = () => undefined;
    const chaosOver = new Promise<void>((resolve) => (endChaos = resolve));
    /** A pause of the fault loops, cut short when the chaos ends. */
    const pause = (ms: number) => Promise.race([sleep(ms), chaosOver]);
    o.signal?.addEventListener('abort', () => {
      problems.push('the run was aborted');
      chaos = false;
      endChaos();
      for (const p of procs) p.child.kill('SIGKILL');
      void server.kill();
    });
    const handles: JobHandle[] = [];

    const produce = (async () => {
      for (let i = 0; i < batches.length; i++) {
        const due = start + (o.enqueueMs * i) / batches.length;
        if (due > Date.now()) await sleep(due - Date.now());
        for (let tries = 0; ; tries++) {
          try {
            // a retry sends the same job ids: what the failed call stored already is returned, not stored again
            handles.push(...(await producer.enqueueMany(batches[i]!)));
            break;
          } catch (err) {
            report.enqueueRetries++;
            if (tries >= 50) throw new Error(`enqueueMany kept failing: ${(err as Error).message}`);
            await sleep(200);
          }
        }
      }
    })();

    const kill = (async () => {
      while (true) {
        await pause(o.killEveryMs[0] + rng() * (o.killEveryMs[1] - o.killEveryMs[0]));
        if (!chaos) return;
        const victims = live().filter((p) => p.ready);
        const victim = victims[Math.floor(rng() * victims.length)];
        if (!victim) continue;
        victim.killedAt = process.hrtime.bigint();
        victim.child.kill('SIGKILL');
        event(`kill ${victim.n}`);
        report.kills++;
        await victim.exited;
        await sleep(rng() * 300);
        replace();
      }
    })().catch((err: Error) => {
      problems.push(`killing workers failed: ${err.stack}`);
    });

    const restart = (async () => {
      const kinds: ('graceful' | 'sigkill')[] = [];
      while (true) {
        await pause(o.redisStopEveryMs[0] + rng() * (o.redisStopEveryMs[1] - o.redisStopEveryMs[0]));
        if (!chaos) return;
        if (!kinds.length) kinds.push(...(rng() < 0.5 ? (['graceful', 'sigkill'] as const) : (['sigkill', 'graceful'] as const)));
        const kind = kinds.shift()!;
        event(`redis-${kind}`);
        if (kind === 'graceful') await server.shutdown();
        else await server.kill();
        event('redis-down');
        report.redisRestarts[kind]++;
        await sleep(rng() * 300);
        server = await o.startRedis(redisOptions(server.port));
        event('redis-up');
      }
    })().catch((err: Error) => {
      problems.push(`restarting Redis failed: ${err.stack}`);
    });

    const ticker = setInterval(() => {
      void Promise.all(QUEUES.map((q) => producer.countJobs(q))).then(
        (cs) => {
          const sum = (s: JobStatus) => cs.reduce((t, c) => t + c[s], 0);
          say(
            `${Math.round((Date.now() - start) / 1000)}s: enqueued ${handles.length}/${jobs.size}, queued ${sum('queued')}, started ${sum('started')}, ` +
              `ended ${sum('finished') + sum('failed') + sum('canceled')}, kills ${report.kills}, Redis restarts ${report.redisRestarts.graceful + report.redisRestarts.sigkill}`,
          );
        },
        () => undefined,
      );
    }, 10_000);

    try {
      await Promise.all([produce, sleep(Math.max(0, chaosEnds - Date.now()))]);
      const latest = Date.now() + o.catchUpMs;
      for (let waiting = Infinity; waiting > o.workers * o.concurrency && Date.now() < latest; await sleep(1000)) {
        const cs = await Promise.all(QUEUES.map((q) => producer.countJobs(q)));
        waiting = cs.reduce((t, c) => t + c.queued + c.deferred, 0);
      }
    } finally {
      chaos = false;
      endChaos();
      await Promise.all([kill, restart]);
      clearInterval(ticker);
    }
    {
      // the last jobs: stuck only when none ends for drainTimeoutMs
      const drainStart = Date.now();
      const ended = (cs: Record<JobStatus, number>[]) => cs.reduce((t, c) => t + c.finished + c.failed + c.canceled, 0);
      let counts = await Promise.all(QUEUES.map((q) => producer.countJobs(q)));
      report.endedInChaos = ended(counts);
      let progress = { ended: ended(counts), at: Date.now() };
      const done = () => counts.every((c) => c.queued + c.started + c.deferred === 0) && ended(counts) >= jobs.size;
      while (!done() && Date.now() - progress.at < o.drainTimeoutMs) {
        await sleep(250);
        counts = await Promise.all(QUEUES.map((q) => producer.countJobs(q)));
        if (ended(counts) > progress.ended) progress = { ended: ended(counts), at: Date.now() };
      }
      report.drainMs = Date.now() - drainStart;
      QUEUES.forEach((q, i) => {
        const c = counts[i]!;
        if (c.queued + c.started + c.deferred > 0) {
          problems.push(`queue ${q} still has ${c.queued} queued, ${c.started} started, ${c.deferred} deferred jobs, and none ended for ${o.drainTimeoutMs / 1000} s`);
        }
      });
    }

    // graceful stop: nothing runs any more, so nothing is released
    for (const p of procs) if (p.standby) p.child.kill('SIGKILL');
    await Promise.all(
      live().map(async (p) => {
        p.child.kill('SIGTERM');
        const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
        await p.exited;
        clearTimeout(timer);
        if (p.child.signalCode === 'SIGKILL') problems.push(`worker process ${p.n} did not close within 15 s of SIGTERM`);
      }),
    );

    report.workerProcesses = procs.filter((p) => !p.standby).length;
    await checkStatuses(jobs, handles, report);
    checkRuns(jobs, procs, report);
  } catch (err) {
    problems.push(`the run failed: ${(err as Error).stack ?? err}`);
  } finally {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await producer.close().catch(() => undefined);
    await server.stop();
    closeSync(eventsFile);
    report.durationMs = Date.now() - began;
    if (problems.length === 0) rmSync(dir, { recursive: true, force: true });
  }
  return report;
}

/** Every job ends as planned: finished, failed (the throwing ones) or canceled (dependents of a failure). */
async function checkStatuses(jobs: Map<string, PlannedJob>, handles: JobHandle[], report: ChaosReport): Promise<void> {
  if (handles.length !== jobs.size) report.problems.push(`enqueued ${handles.length} of ${jobs.size} jobs`);
  const wrong: string[] = [];
  for (let i = 0; i < handles.length; i += 1000) {
    const part = handles.slice(i, i + 1000);
    const statuses = await Promise.all(part.map((h) => h.getStatus().catch((err: Error) => `missing (${err.name})`)));
    part.forEach((h, k) => {
      const want = jobs.get(h.id)?.expected;
      if (statuses[k] !== want) wrong.push(`${h.id} is ${statuses[k]}, expected ${want}`);
    });
  }
  report.lost = wrong.length;
  if (wrong.length) report.problems.push(`${wrong.length} job(s) did not end as planned: ${wrong.slice(0, 20).join('; ')}`);
}

/**
 * From the workers' logs: every job that ran has a final run that ended; each earlier run has a lower attempt and was
 * cut short: its process was killed before the next run started, or the next run started while that process could
 * not reach Redis (a Redis stop: its lease ran out meanwhile); callbacks ran; dependents started after every run of
 * their dependencies ended; canceled jobs never ran.
 */
function checkRuns(jobs: Map<string, PlannedJob>, procs: WorkerProc[], report: ChaosReport): void {
  const problems: string[] = [];
  const runs = new Map<string, Run[]>();
  const callbacks = new Map<string, { cs: number; cf: string[] }>();
  /** Per process, when its connection to Redis was down: from a close to the next ready (end null: never again). */
  const outages = new Map<number, { from: bigint; to: bigint | null }[]>();
  const cbOf = (id: string) => {
    let c = callbacks.get(id);
    if (!c) callbacks.set(id, (c = { cs: 0, cf: [] }));
    return c;
  };
  for (const p of procs) {
    if (!existsSync(p.log)) continue;
    const open = new Map<string, Run>();
    const down: { from: bigint; to: bigint | null }[] = [];
    outages.set(p.n, down);
    for (const line of readFileSync(p.log, 'utf8').split('\n')) {
      if (!line) continue;
      const w = line.split(' ');
      const t = BigInt(w[w.length - 1]!);
      if (w[0] === 'S') {
        const run: Run = { proc: p.n, attempt: Number(w[2]), start: t, end: null };
        open.set(`${w[1]} ${w[2]}`, run);
        const list = runs.get(w[1]!);
        if (list) list.push(run);
        else runs.set(w[1]!, [run]);
      } else if (w[0] === 'E') {
        const run = open.get(`${w[1]} ${w[2]}`);
        if (run) run.end = t;
        else problems.push(`process ${p.n} logged the end of ${w[1]} attempt ${w[2]} without its start`);
      } else if (w[0] === 'CS') {
        cbOf(w[1]!).cs++;
        report.callbacks.onSuccess++;
      } else if (w[0] === 'CF') {
        cbOf(w[1]!).cf.push(w[2]!);
        report.callbacks.onFailure++;
      } else if (w[0] === 'R') {
        const last = down[down.length - 1];
        if (w[1] === 'close' && (!last || last.to !== null)) down.push({ from: t, to: null });
        else if (w[1] === 'ready' && last && last.to === null) last.to = t;
      }
    }
  }
  const closed = [...outages.values()].flat().filter((o) => o.to !== null);
  const spans = closed.map((o) => Number(o.to! - o.from) / 1e6);
  report.workerOutageMs = { max: Math.round(Math.max(0, ...spans)), mean: Math.round(spans.reduce((a, b) => a + b, 0) / (spans.length || 1)) };
  const killedAt = new Map(procs.map((p) => [p.n, p.killedAt]));
  const lastEnd = new Map<string, bigint>();
  for (const [id, list] of runs) {
    report.handlerRuns += list.length;
    const job = jobs.get(id);
    if (!job) {
      problems.push(`${id} ran but was never enqueued`);
      continue;
    }
    if (job.expected === 'canceled') {
      problems.push(`${id} ran (${list.length} time(s)) though its dependency failed and it was to be canceled`);
      continue;
    }
    list.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    const last = list[list.length - 1]!;
    if (last.end === null) problems.push(`${id}: its last run (process ${last.proc}, attempt ${last.attempt}) never ended`);
    else lastEnd.set(id, last.end);
    for (let i = 0; i + 1 < list.length; i++) {
      const run = list[i]!;
      const next = list[i + 1]!;
      const killed = killedAt.get(run.proc) ?? null;
      const cutOff = (outages.get(run.proc) ?? []).some((o) => o.from <= next.start && (o.to === null || next.start <= o.to));
      if (killed !== null && next.start >= killed) {
        if (run.end === null) report.reruns.midRun++;
        else report.reruns.afterEnd++;
      } else if (cutOff) {
        report.reruns.redisLoss++;
      } else if (killed === null) {
        problems.push(`${id} ran again (process ${next.proc}, attempt ${next.attempt}) after a run in process ${run.proc} (attempt ${run.attempt}), which was neither killed nor cut off from Redis`);
      } else {
        problems.push(`${id} ran again (process ${next.proc}) before process ${run.proc}, which ran it, was killed, while that one reached Redis`);
      }
      if (next.attempt <= run.attempt) problems.push(`${id}: attempt ${next.attempt} ran after attempt ${run.attempt}`);
    }
  }
  for (const job of jobs.values()) {
    const ran = runs.get(job.id);
    if (job.expected !== 'canceled' && !ran) problems.push(`${job.id} never ran`);
    const cb = callbacks.get(job.id);
    if (job.expected === 'finished' && job.onSuccess && !cb?.cs) problems.push(`${job.id} finished but its onSuccess never ran`);
    if (job.expected === 'failed' && cb?.cs) problems.push(`${job.id} failed but its onSuccess ran`);
    if (job.expected === 'failed' && job.onFailure && !cb?.cf.includes('ChaosError')) {
      problems.push(`${job.id} failed but its onFailure never ran with the handler's error (ran with: ${cb?.cf.join(', ') || 'nothing'})`);
    }
    // only a run cut short (JobAbandonedError) reports a failure of a job that does not throw
    const odd = job.fails ? [] : (cb?.cf ?? []).filter((name) => name !== 'JobAbandonedError');
    if (odd.length) problems.push(`${job.id} never throws, yet its onFailure ran with ${odd.join(', ')}`);
    if (job.parents.length && ran) {
      const first = ran[0]!.start;
      for (const p of job.parents) {
        const end = lastEnd.get(p);
        if (end === undefined) problems.push(`${job.id} ran, but its dependency ${p} never ended`);
        else if (first < end) problems.push(`${job.id} started before its dependency ${p} ended`);
      }
    }
  }
  report.problems.push(...problems.slice(0, 50));
  if (problems.length > 50) report.problems.push(`... and ${problems.length - 50} more`);
}

/** The figures of a run, one per line. */
export function formatReport(r: ChaosReport): string {
  const restarts = r.redisRestarts.graceful + r.redisRestarts.sigkill;
  return [
    `seed ${r.seed}`,
    `jobs ${r.jobs} (to finish ${r.expected.finished}, to fail ${r.expected.failed}, to be canceled ${r.expected.canceled})`,
    `worker processes ${r.workerProcesses}, killed with SIGKILL ${r.kills}`,
    `Redis restarts ${restarts} (SHUTDOWN ${r.redisRestarts.graceful}, SIGKILL ${r.redisRestarts.sigkill}), enqueue calls retried ${r.enqueueRetries}; ` +
      `a worker's connection was down ${r.workerOutageMs.mean} ms on average per stop, at most ${r.workerOutageMs.max} ms`,
    `handler runs ${r.handlerRuns}; reruns ${r.reruns.midRun + r.reruns.afterEnd + r.reruns.redisLoss}: cut short by a kill mid-run ${r.reruns.midRun}, ` +
      `by a kill after the handler ended but before its outcome was recorded ${r.reruns.afterEnd}, ` +
      `by the lease running out while the worker could not reach Redis ${r.reruns.redisLoss}`,
    `callbacks run: onSuccess ${r.callbacks.onSuccess}, onFailure ${r.callbacks.onFailure}`,
    `lost ${r.lost}`,
    `duration ${(r.durationMs / 1000).toFixed(1)} s; ${r.endedInChaos} jobs ended during the chaos, the last ${r.jobs - r.endedInChaos} in the ${(r.drainMs / 1000).toFixed(1)} s after it`,
    r.problems.length ? `PROBLEMS (${r.problems.length}; logs kept in ${r.dir}):\n  ${r.problems.join('\n  ')}` : 'problems: none',
  ].join('\n');
}
