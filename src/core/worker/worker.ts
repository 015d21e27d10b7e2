import { engineOf } from '../engine-of.js';
import type { Engine } from '../engine.js';
import { jobWriter, JobControl } from '../control/job-control.js';
import { toMs } from '../model/duration.js';
import { InvalidOptionError, JobReleasedError } from '../model/errors.js';
import type { HandlerRegistry } from '../model/handler-registry.js';
import { assertQueueName } from '../model/names.js';
import { newWorkerId } from '../model/worker-id.js';
import { limitLoadingWait } from '../redis/connection.js';
import { JobThreads, NO_THREADS } from '../run/job-threads.js';
import { FetchLoop } from './fetch-loop.js';
import { InboxWatcher } from './inbox-watcher.js';
import { Lease } from './lease.js';
import { Maintenance } from './maintenance.js';
import { Presence } from './presence.js';
import { RunningJobs } from './running-jobs.js';
import { StopChannel } from './stop-channel.js';
import { workerLimits, type WorkerOptions } from './worker-options.js';

/**
 * Runs jobs from Redis in this process, up to `concurrency` at once: a composition of the fetch loop (work.lua round
 * trips that record outcomes and fetch), the running jobs, the lease (renewed on a timer), the stop channel, and
 * maintenance (reclaims the jobs of workers whose lease ran out). Made from a QueueClient, whose engine it shares.
 */
export class Worker {
  readonly id = newWorkerId('worker');
  private readonly engine: Engine;
  private readonly queues: string[];
  private readonly leaseMs: number;
  private readonly shutdownMs: number;
  private readonly running: RunningJobs;
  private readonly loop: FetchLoop;
  private readonly lease: Lease;
  private readonly stops: StopChannel;
  private readonly maintenance: Maintenance;
  private readonly threads: JobThreads | null;
  private readonly inbox: InboxWatcher | null;
  private readonly maintenanceMs: number;
  private readonly presence: Presence;
  private readonly refreshMs: number;
  private state: 'new' | 'running' | 'closing' | 'closed' = 'new';
  private timers: NodeJS.Timeout[] = [];
  /** Maintenance and lease renewals in progress. */
  private readonly background = new Set<Promise<void>>();
  private closing: Promise<void> | null = null;

  constructor(client: object, registry: HandlerRegistry, options: WorkerOptions) {
    if (!Array.isArray(options.queues) || options.queues.length === 0) {
      throw new InvalidOptionError('queues', options.queues, 'a non-empty array of queue names');
    }
    options.queues.forEach((q) => assertQueueName(q));
    this.engine = engineOf(client);
    this.queues = [...new Set(options.queues)];
    const limits = workerLimits(options);
    this.leaseMs = limits.leaseMs;
    this.shutdownMs = limits.shutdownMs;
    // its blocking and stop-channel connections are duplicated from this one at start, and take the limit with them
    limitLoadingWait(this.engine.redis, Math.max(50, Math.floor(this.leaseMs / 10)));
    const blockSec = (options.blockTime === undefined ? 1000 : toMs('blockTime', options.blockTime)) / 1000;
    const control = new JobControl(this.engine);
    const saveMeta = jobWriter(control, this.engine.events, this.id);
    if (options.threads === undefined) {
      const isolated = registry.names().find((name) => registry.get(name)!.isolate === 'thread');
      if (isolated) throw new InvalidOptionError('threads', undefined, `a thread setup { module, export?, size? }: handler "${isolated}" is marked isolate: 'thread'`);
    }
    this.threads = options.threads === undefined ? null : new JobThreads(options.threads);
    this.running = new RunningJobs(
      registry,
      saveMeta,
      (job, outcome) => {
        this.presence.ended(job.queue, outcome.kind);
        this.loop.jobEnded(job, outcome);
      },
      () => this.loop.kick(),
      this.threads ?? NO_THREADS,
      this.engine.tracing,
    );
    this.loop = new FetchLoop(this.engine, this.id, this.queues, { concurrency: limits.concurrency, leaseMs: limits.leaseMs, blockSec }, this.running);
    this.stops = new StopChannel(this.engine, this.queues, this.running, registry);
    this.lease = new Lease(this.engine, this.id, this.leaseMs, this.running, this.stops, this.loop);
    this.maintenanceMs = Math.min(5000, Math.max(100, Math.floor(this.leaseMs / 2)));
    this.maintenance = new Maintenance(this.engine, this.id, this.queues, registry);
    // the registry entry is refreshed as often as the lease, and lapses as the lease does (after a few missed refreshes)
    this.refreshMs = Math.max(100, Math.floor(this.leaseMs / 3));
    this.presence = new Presence(this.engine, this.id, this.queues, limits.concurrency, this.refreshMs * 3, () => this.running.size);
    if (options.inbox !== undefined && typeof options.inbox !== 'boolean') throw new InvalidOptionError('inbox', options.inbox, 'true or false');
    this.inbox = options.inbox === false ? null : new InboxWatcher(this.engine, this.id, this.queues, blockSec);
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
    this.stops.start(() => {
      if (this.state === 'running') void this.track(this.lease.renew());
    });
    this.loop.start();
    this.inbox?.start();
    this.every(this.refreshMs, () => this.lease.renew());
    this.every(this.refreshMs, () => this.presence.refresh());
    this.every(this.maintenanceMs, () => this.maintenance.run());
    this.track(this.presence.refresh());
    this.track(this.maintenance.run());
  }

  /** Runs `fn` every `ms` (never overlapping itself) until the worker closes. */
  private every(ms: number, fn: () => Promise<void>): void {
    const tick = () => {
      this.track(fn()).finally(() => {
        if (this.state === 'running' || this.state === 'closing') this.timers.push(setTimeout(tick, ms));
      });
    };
    this.timers.push(setTimeout(tick, ms));
  }

  /** Logs a failure of background work, and lets close() wait for it (it uses the client's connection). */
  private track(work: Promise<void>): Promise<void> {
    const done = work.catch((err: unknown) => this.engine.backgroundError(`worker ${this.id}`, err));
    this.background.add(done);
    void done.finally(() => this.background.delete(done));
    return done;
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
      await this.threads?.close();
      return;
    }
    this.state = 'closing';
    await this.inbox?.stop();
    await this.loop.stop();
    await this.running.settled(this.shutdownMs);
    const released = this.running.releaseAll((job) => new JobReleasedError(`Worker ${this.id} shut down; job ${job.id} was released back to its queue.`));
    for (const job of released) this.loop.release(job);
    await this.loop.flushAll();
    await this.engine.outbox.drain([]); // waits for deliveries this worker started
    this.state = 'closed';
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    // bounded: a maintenance step stuck on an unreachable Redis must not hold the shutdown
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.background), new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
    await this.presence.leave().catch((err: unknown) => this.engine.backgroundError(`worker ${this.id}`, err));
    await this.loop.close();
    await this.stops.close();
    await this.threads?.close();
  }
}
