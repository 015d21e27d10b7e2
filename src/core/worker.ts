import type { Redis } from 'ioredis';
import { closeConnection, duplicateConnection } from './connection.js';
import { DEFAULTS } from './defaults.js';
import { toMs, type Duration } from './duration.js';
import { parseCallbackSet, runCallback, snapshotOf } from './callbacks.js';
import { InvalidOptionError, JobAbandonedError, JoblineError, JobStoppedError } from './errors.js';
import type { HandlerRegistry } from './handler-registry.js';
import { JobAbort } from './job-abort.js';
import { DATA_FIELDS, joinData } from './job-info.js';
import { errorInfo, runJob, type FetchedJob, type MetaSaver, type Outcome } from './job-runner.js';
import { assertQueueName } from './keys.js';
import type { QueueClient } from './queue-client.js';
import { runScript } from './scripts.js';
import { fetchedJobs, outboxLength, outcomeLines, outcomeRecord, type OutcomeKind } from './work-call.js';
import { newWorkerId } from './worker-id.js';
import type { JobErrorInfo } from './types.js';

export interface WorkerOptions {
  /** Queues to take jobs from, in priority order. */
  queues: string[];
  /** Jobs run at once in this process. Default 10. */
  concurrency?: number;
  /** How long this worker's lease (on all the jobs it runs) lasts without renewal. Default 30 s; renewed every third of it. */
  leaseTime?: Duration;
  /** On close, how long running jobs get to finish before they are released back to their queue. Default 30 s. */
  shutdownTimeout?: Duration;
  /** Longest single blocking wait for work, so shutdown and maintenance are noticed. Default 1 s. */
  blockTime?: Duration;
}

/** work.lua calls one worker keeps in flight at once (see Worker.loop). */
const MAX_IN_FLIGHT = 2;

/** Raised into a job's signal when this worker stops holding it. */
export class JobReleasedError extends JoblineError {}

interface Running {
  queue: string;
  id: string;
  attempt: number;
  abort: JobAbort;
  job: FetchedJob;
}

/**
 * Validates a worker's concurrency, leaseTime and shutdownTimeout and gives them in milliseconds, with their defaults.
 * QueueConsumerModule.forRoot calls it too, so a bad value stops the app when the module is made, not at bootstrap.
 */
export function workerLimits(options: Pick<WorkerOptions, 'concurrency' | 'leaseTime' | 'shutdownTimeout'>): {
  concurrency: number;
  leaseMs: number;
  shutdownMs: number;
} {
  const concurrency = options.concurrency ?? DEFAULTS.CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
    throw new InvalidOptionError('concurrency', options.concurrency, 'a whole number from 1 to 10000');
  }
  const leaseMs = options.leaseTime === undefined ? DEFAULTS.LEASE_MS : toMs('leaseTime', options.leaseTime);
  if (leaseMs < 300) throw new InvalidOptionError('leaseTime', options.leaseTime, 'at least 300ms');
  const shutdownMs =
    options.shutdownTimeout === undefined ? DEFAULTS.SHUTDOWN_TIMEOUT_MS : toMs('shutdownTimeout', options.shutdownTimeout, { allowZero: true });
  return { concurrency, leaseMs, shutdownMs };
}

/**
 * Runs jobs from Redis in this process, up to `concurrency` at once. Each round trip (work.lua) records finished
 * jobs and fetches up to the free slots; an idle worker blocks on the queues' wake-up lists instead of polling.
 * The worker holds one lease per queue for all the jobs it runs, which a timer renews; a maintenance timer reclaims
 * the jobs of workers whose lease ran out.
 */
export class Worker {
  readonly id = newWorkerId('worker');
  /** Stores a running job's meta for ctx.updateMeta (one function for all jobs). */
  /** Where maintenance goes on trimming the caller-chosen id index (JobIdIndex.sweep). */
  private idCursor = '0';
  private readonly saveMeta: MetaSaver = (job, meta) => this.client.saveMeta(job.queue, job.id, this.id, job.attempt, meta);
  private readonly queues: string[];
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly shutdownMs: number;
  private readonly blockSec: number;
  private readonly redis: Redis;
  private blocker: Redis | null = null;
  /** Hears stop() requests for jobs this worker runs (`<base>control`). */
  private control: Redis | null = null;
  private readonly running = new Map<string, Running>();
  /** Outcome records (work-call.ts) waiting to be sent, per queue. */
  private readonly outcomes = new Map<string, string[]>();
  private state: 'new' | 'running' | 'closing' | 'closed' = 'new';
  private loopDone: Promise<void> = Promise.resolve();
  /** Resolves the loop's wait; called through kick(). */
  private wakeLoop: (() => void) | null = null;
  private kickScheduled = false;
  /** work rounds in flight, and the slots their fetches may fill (not yet in `running`). */
  private inFlight = 0;
  private reserved = 0;
  private readonly rounds = new Set<Promise<void>>();
  /** The last fetch found every queue empty: block on the wake-up lists instead of asking again. */
  private idle = false;
  /** Consecutive failed rounds, and the last failure, which the loop logs and backs off on. */
  private failures = 0;
  private roundError: Error | null = null;
  /** Most jobs one work.lua call fetches (half the slots; see loop()). */
  private readonly batchSize: number;
  private blocked = false;
  private flushScheduled = false;
  private flushing: Promise<void> = Promise.resolve();
  private timers: NodeJS.Timeout[] = [];
  private closing: Promise<void> | null = null;
  /** Set while close() waits for running jobs; called when the last one ends. */
  private drained: (() => void) | null = null;

  constructor(
    private readonly client: QueueClient,
    private readonly registry: HandlerRegistry,
    options: WorkerOptions,
  ) {
    if (!Array.isArray(options.queues) || options.queues.length === 0) {
      throw new InvalidOptionError('queues', options.queues, 'a non-empty array of queue names');
    }
    options.queues.forEach((q) => assertQueueName(q));
    this.queues = [...new Set(options.queues)];
    ({ concurrency: this.concurrency, leaseMs: this.leaseMs, shutdownMs: this.shutdownMs } = workerLimits(options));
    this.blockSec = (options.blockTime === undefined ? 1000 : toMs('blockTime', options.blockTime)) / 1000;
    this.batchSize = Math.ceil(this.concurrency / MAX_IN_FLIGHT);
    this.redis = client.redis;
  }

  get activeCount(): number {
    return this.running.size;
  }

  get isRunning(): boolean {
    return this.state === 'running';
  }

  start(): void {
    if (this.state !== 'new') return;
    this.state = 'running';
    const onError = (err: Error) => this.client.logger.error(`worker Redis error: ${err.message}`);
    this.blocker = duplicateConnection(this.redis, onError);
    this.control = duplicateConnection(this.redis, onError);
    this.control.on('message', (channel: string, message: string) => this.onControl(channel, message));
    void this.control.subscribe(...this.queues.map((q) => `${this.client.base(q)}control`)).catch(onError);
    this.loopDone = this.loop();
    this.every(Math.max(100, Math.floor(this.leaseMs / 3)), () => this.renew());
    this.every(Math.min(5000, Math.max(100, Math.floor(this.leaseMs / 2))), () => this.maintain());
    void this.maintain();
  }

  /** Runs `fn` every `ms` (never overlapping itself) until the worker closes. */
  private every(ms: number, fn: () => Promise<void>): void {
    const tick = () => {
      fn()
        .catch((err: Error) => this.client.logger.error(`worker ${this.id}: ${err.message}`))
        .finally(() => {
          if (this.state === 'running' || this.state === 'closing') this.timers.push(setTimeout(tick, ms));
        });
    };
    this.timers.push(setTimeout(tick, ms));
  }

  /**
   * Keeps up to MAX_IN_FLIGHT work.lua calls going: while Redis runs one, this process runs the jobs another
   * fetched, so neither waits on the other. Each call asks for at most half the slots, so a burst of jobs that all
   * end together still leaves the next call able to fetch while the previous batch runs. Fetches only into free
   * slots (never more jobs than `concurrency` held at once). When a fetch finds every queue empty, the loop blocks
   * on the wake-up lists until an enqueue (or the block timeout) says to look again.
   */
  private async loop(): Promise<void> {
    while (this.state === 'running') {
      const err = this.roundError;
      if (err) {
        this.roundError = null;
        this.client.logger.error(`worker ${this.id} loop: ${err.message}`);
        // Redis is down or a script failed: back off instead of spinning (this path is not the hot path)
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** Math.min(this.failures, 6))));
        continue;
      }
      this.dispatch();
      if (this.inFlight === 0 && this.idle && this.outcomes.size === 0 && this.running.size < this.concurrency) {
        try {
          await this.block();
        } catch (blockErr) {
          this.failures++;
          this.roundError = blockErr as Error;
        }
        this.idle = false;
        continue;
      }
      await new Promise<void>((resolve) => (this.wakeLoop = resolve));
    }
    // jobs fetched by calls still in flight must start (they hold leases) before close() waits on running jobs
    await Promise.all(this.rounds);
  }

  /** Starts rounds while fewer than MAX_IN_FLIGHT are out and there are free slots to fill or outcomes to send. */
  private dispatch(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.state === 'running') {
      const free = this.concurrency - this.running.size - this.reserved;
      const budget = this.idle ? 0 : Math.max(0, Math.min(free, this.batchSize));
      if (budget === 0 && this.outcomes.size === 0) return;
      this.inFlight++;
      const round = this.round(budget);
      this.rounds.add(round);
      void round.finally(() => this.rounds.delete(round));
    }
  }

  /**
   * One round: a work.lua call per queue in priority order, each recording that queue's outcomes and fetching into
   * what is left of `budget`. Never rejects: a failure is left in `roundError` for the loop to back off on.
   */
  private async round(budget: number): Promise<void> {
    try {
      let fetched = 0;
      for (const queue of this.queues) {
        // at most a batch of outcomes per round: two rounds then carry equal work, so while Redis runs one this
        // process works on the other's jobs (with all outcomes in one round the two rounds fall into lockstep)
        const acks = this.takeOutcomes(queue, this.batchSize);
        // a worker that started closing meanwhile only records outcomes
        const want = this.state === 'running' ? budget - fetched : 0;
        if (want === 0 && !acks) continue;
        this.reserved += want;
        try {
          fetched += await this.work(queue, acks, want);
        } finally {
          this.reserved -= want;
        }
      }
      if (budget > 0 && fetched === 0) this.idle = true;
      this.failures = 0;
    } catch (err) {
      if (this.state === 'running') {
        this.failures++;
        this.roundError = err as Error;
      }
    } finally {
      this.inFlight--;
      this.kick();
    }
  }

  /**
   * Wakes the loop on the next event-loop turn, not at once: jobs that end together (a fetched batch of quick jobs)
   * then go back in one call instead of one call each.
   */
  private kick(): void {
    if (this.kickScheduled) return;
    this.kickScheduled = true;
    setImmediate(() => {
      this.kickScheduled = false;
      const wake = this.wakeLoop;
      this.wakeLoop = null;
      wake?.();
    });
  }

  private async block(): Promise<void> {
    const keys = this.queues.map((q) => `${this.client.base(q)}wake`);
    this.blocked = true;
    try {
      await this.blocker!.blpop(...keys, this.blockSec);
    } catch (err) {
      if (this.state === 'running') throw err;
    } finally {
      this.blocked = false;
    }
  }

  /** One work.lua round trip: record `acks`, fetch up to `want` jobs and start them. Returns how many it started. */
  private async work(queue: string, acks: string[] | undefined, want: number): Promise<number> {
    let res: (string | number)[];
    try {
      res = (await runScript(this.redis, 'work', this.client.base(queue), [this.id, this.leaseMs, want, outcomeLines(acks)])) as (string | number)[];
    } catch (err) {
      // keep the outcomes for the next round trip rather than leave their jobs to lease expiry and a rerun
      if (acks) this.outcomes.set(queue, [...acks, ...(this.outcomes.get(queue) ?? [])]);
      throw err;
    }
    const jobs = fetchedJobs(res, queue);
    for (const job of jobs) this.startJob(job);
    if (outboxLength(res) > 0) this.drainOutbox([queue], 0);
    return jobs.length;
  }

  /** Takes up to `max` of the queue's waiting outcome records. */
  private takeOutcomes(queue: string, max = Infinity): string[] | undefined {
    const acks = this.outcomes.get(queue);
    if (!acks) return undefined;
    if (acks.length <= max) {
      this.outcomes.delete(queue);
      return acks;
    }
    return acks.splice(0, max);
  }

  /**
   * Runs a fetched job. A handler that returned a plain value is done before runJob returns: its outcome is recorded
   * at once, and the job is never entered in `running` (nothing could have reached it there: it never yielded).
   */
  private startJob(job: FetchedJob): void {
    const abort = new JobAbort();
    const outcome = runJob(job, this.registry, abort, this.saveMeta);
    if (!(outcome instanceof Promise)) {
      this.ended(job, outcome);
      return;
    }
    const key = `${job.queue}\n${job.id}`;
    this.running.set(key, { queue: job.queue, id: job.id, attempt: job.attempt, abort, job });
    void outcome.then((o) => this.finishJob(key, o));
  }

  private finishJob(key: string, outcome: Outcome): void {
    const job = this.running.get(key);
    if (!job) return; // released at shutdown or lost: its outcome no longer counts
    this.running.delete(key);
    if (this.running.size === 0) this.drained?.();
    this.ended(job.job, outcome);
  }

  private ended(job: FetchedJob, outcome: Outcome): void {
    this.record(job, outcome.kind, outcome.payload);
    if (this.blocked || this.state !== 'running') this.scheduleFlush();
    else this.kick();
  }

  private record(job: FetchedJob, kind: OutcomeKind, payload: string): void {
    let list = this.outcomes.get(job.queue);
    if (!list) this.outcomes.set(job.queue, (list = []));
    list.push(outcomeRecord(job, kind, payload));
  }

  /** While the loop is blocked waiting for new work, outcomes are sent on their own, batched per event-loop turn. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushing = this.flushing.then(() => this.flush()).catch((err: Error) => this.client.logger.error(`worker ${this.id} flush: ${err.message}`));
    });
  }

  private async flush(): Promise<void> {
    const queues = [...this.outcomes.keys()];
    await Promise.all(queues.map((q) => this.work(q, this.takeOutcomes(q), 0)));
  }

  private async renew(): Promise<void> {
    const byQueue = new Map<string, Running[]>();
    for (const r of this.running.values()) {
      const list = byQueue.get(r.queue);
      if (list) list.push(r);
      else byQueue.set(r.queue, [r]);
    }
    for (const [queue, jobs] of byQueue) {
      const args: (string | number)[] = [this.id, this.leaseMs];
      for (const j of jobs) args.push(j.id, j.attempt);
      const lost = (await runScript(this.redis, 'renew', this.client.base(queue), args)) as string[];
      for (const id of lost) {
        const job = this.running.get(`${queue}\n${id}`);
        if (!job) continue;
        // a stop request whose message was missed (subscriber reconnecting) still runs onStopped
        if ((await this.redis.hget(`${this.client.base(queue)}job:${id}`, 's')) === 'stopped') {
          this.stopRunning(job);
          continue;
        }
        this.drop(job, new JobReleasedError(`Job ${id} is no longer held by this worker (it was deleted, canceled or reclaimed).`));
      }
    }
  }

  /**
   * Frees the slot of a job this worker no longer holds and aborts its signal; its outcome will not count. Returns
   * false when the job was already gone (dropped by another path meanwhile).
   */
  private drop(job: Running, reason: Error): boolean {
    const key = `${job.queue}\n${job.id}`;
    if (!this.running.delete(key)) return false;
    job.abort.abort(reason);
    if (this.running.size === 0) this.drained?.();
    this.kick();
    return true;
  }

  private onControl(channel: string, message: string): void {
    const queue = this.queues.find((q) => `${this.client.base(q)}control` === channel);
    const [cmd, id] = message.split('\n');
    if (!queue || cmd !== 'stop' || !id) return;
    const job = this.running.get(`${queue}\n${id}`);
    if (job) this.stopRunning(job);
  }

  /** stop(): abort the job's signal, free its slot, run its onStopped callback. */
  private stopRunning(job: Running): void {
    // a stop message and renew() may both see the stop: onStopped runs once, for whichever dropped the job
    if (!this.drop(job, new JobStoppedError(`Job ${job.id} was stopped on request.`))) return;
    const callbacks = parseCallbackSet(job.job.callbacks);
    if (!callbacks.p) return;
    const snapshot = snapshotOf(job.id, job.job.name, job.queue, job.job.data, job.attempt, job.job.meta);
    runCallback(this.registry, callbacks, 'p', snapshot).catch((err: Error) =>
      this.client.logger.error(`onStopped callback of job ${job.id} failed: ${err.message}`),
    );
  }

  private drainOutbox(queues: string[], minAgeMs: number): void {
    this.client.outbox.drain(queues, minAgeMs).catch((err: Error) => this.client.logger.error(`worker ${this.id} outbox: ${err.message}`));
  }

  /**
   * onFailure for attempts cut short by a dead worker: those failed as abandoned (`final`: the callback's own error is
   * kept beside the job's) and those requeued for another attempt (the failed attempt is still reported, as each
   * failed attempt is).
   */
  private async abandonedCallbacks(queue: string, jobs: [string, number | null][], final: boolean): Promise<void> {
    const base = this.client.base(queue);
    for (const [id, cutShort] of jobs) {
      const [name, meta, cb, a, e, ...parts] = await this.redis.hmget(`${base}job:${id}`, 'n', 'm', 'cb', 'a', 'e', ...DATA_FIELDS);
      const data = joinData(...parts);
      // a requeued job may already be running its next attempt: report the attempt that failed
      const attempt = cutShort ?? Number(a ?? 0);
      const callbacks = parseCallbackSet(cb ?? '');
      if (!callbacks.f || !name) continue;
      const stored: JobErrorInfo =
        final && e
          ? (JSON.parse(e) as JobErrorInfo)
          : { name: 'JobAbandonedError', message: `The worker running attempt ${attempt} stopped renewing its lease; the job was requeued for another attempt.` };
      const err = new JobAbandonedError(stored.message);
      const snapshot = snapshotOf(id, name, queue, data ?? '', attempt, meta ?? '');
      try {
        await runCallback(this.registry, callbacks, 'f', snapshot, err);
      } catch (cbErr) {
        if (final) await runScript(this.redis, 'set-error', base, [id, JSON.stringify({ ...stored, callbackError: errorInfo(cbErr) })]);
        else this.client.logger.error(`onFailure callback of job ${id} failed: ${(cbErr as Error).message}`);
      }
    }
  }

  private async maintain(): Promise<void> {
    for (const queue of this.queues) {
      const res = (await runScript(this.redis, 'reclaim', this.client.base(queue), [1000])) as (string | number)[];
      const nRequeued = Number(res[2]);
      const requeued: [string, number][] = [];
      for (let i = 0; i < nRequeued; i++) requeued.push([String(res[3 + 2 * i]), Number(res[4 + 2 * i])]);
      const abandoned = res.slice(3 + 2 * nRequeued).map((id): [string, null] => [String(id), null]);
      if (requeued.length) {
        this.client.logger.warn(`queue ${queue}: requeued ${requeued.length} job(s) whose worker stopped renewing its lease`);
        await this.abandonedCallbacks(queue, requeued, false);
      }
      if (abandoned.length) {
        this.client.logger.warn(`queue ${queue}: failed ${abandoned.length} abandoned job(s): ${abandoned.slice(0, 10).map((a) => a[0]).join(', ')}`);
        await this.abandonedCallbacks(queue, abandoned, true);
      }
    }
    // redeliver cross-queue messages that a crashed process left behind (fresh ones are delivered by their writer)
    this.drainOutbox(this.queues, 5000);
    this.idCursor = await this.client.sweepIdIndex(this.idCursor);
  }

  /**
   * Graceful stop: fetch nothing more, give running jobs up to `shutdownTimeout`, then abort the rest and release
   * them to the front of their queue (this run does not count as an attempt). Resolves when all is recorded.
   */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    if (this.state === 'new') {
      this.state = 'closed';
      return;
    }
    this.state = 'closing';
    const wake = this.wakeLoop;
    this.wakeLoop = null;
    wake?.();
    this.blocker?.disconnect();
    await this.loopDone;
    if (this.running.size) {
      await new Promise<void>((resolve) => {
        const deadline = setTimeout(resolve, this.shutdownMs);
        this.drained = () => {
          clearTimeout(deadline);
          resolve();
        };
      });
      this.drained = null;
    }
    for (const [key, job] of this.running) {
      this.running.delete(key);
      job.abort.abort(new JobReleasedError(`Worker ${this.id} shut down; job ${job.id} was released back to its queue.`));
      this.record(job.job, 'r', '');
    }
    await this.flushing;
    await this.flush();
    await this.client.outbox.drain([]); // waits for deliveries this worker started
    this.state = 'closed';
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    if (this.blocker) await closeConnection(this.blocker);
    if (this.control) await closeConnection(this.control);
  }
}

