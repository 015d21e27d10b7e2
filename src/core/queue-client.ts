import { JobControl } from './control/job-control.js';
import { QueueControl, type BulkProgress, type DeleteStatus, type ManyJobsOutcome, type RequeueStatus } from './control/queue-control.js';
import { QueueDeleter, type DeleteQueueOptions, type DeletedQueue } from './control/queue-delete.js';
import { ResultWaits } from './control/result-waits.js';
import { jobsByQueue } from './control/jobs-by-queue.js';
import { attachEngine } from './engine-of.js';
import { Engine } from './engine.js';
import { Inspector } from './inspect/inspector.js';
import { JobLocator } from './inspect/job-locator.js';
import { QueueOverview, type JobPage, type QueueSummary } from './inspect/queue-overview.js';
import type { GroupCount } from './limits/group.js';
import { EventFollower } from './events/event-stream.js';
import { JOB_EVENT_NAMES, type JobEvent, type JobEventListener, type JobEventName, type JobsEnqueuedEvent, type ListenOptions } from './events/job-events.js';
import type { Duration } from './model/duration.js';
import { ClientClosedError, InvalidOptionError, JobNotFoundError } from './model/errors.js';
import { JobHandle, type JobOperations } from './model/job-handle.js';
import type { Logger } from './model/logger.js';
import { assertQueueName } from './model/names.js';
import type { EnqueueItem, EnqueueOptions, JobInfo, JobStatus, ScheduleInfo, ScheduleRule } from './model/types.js';
import { ScheduleList } from './inspect/schedule-list.js';
import { Schedules, type UpsertOutcome } from './scheduler/schedules.js';
import { JobStore } from './producer/job-store.js';
import { Producer } from './producer/producer.js';
import { SyncRunner } from './producer/sync-runner.js';
import { ingestInbox, type InboxIngested } from './worker/inbox-watcher.js';
import type { WorkerInfo } from './redis/worker-registry.js';
import { redisHealth, type RedisHealth } from './redis/health.js';
import { replicaWait, resolveClientOptions, type QueueClientOptions } from './client-options.js';

/**
 * The engine's client, usable without NestJS: a small facade over the producer (enqueue), the inspector (reads),
 * job control and result waits, all sharing one engine context. Workers are made from it (`new Worker(client, ...)`).
 */
export class QueueClient implements JobOperations {
  readonly defaultQueue: string;
  readonly isAsync: boolean;
  private readonly engine: Engine;
  private readonly producer: Producer;
  private readonly locator: JobLocator;
  private readonly inspector: Inspector;
  private readonly control: JobControl;
  private readonly waits: ResultWaits;
  private readonly queueControl: QueueControl;
  private readonly deleter: QueueDeleter;
  private readonly store: JobStore;
  private readonly overview: QueueOverview;
  private readonly schedules: Schedules;
  private readonly scheduleList: ScheduleList;
  private readonly sync: () => SyncRunner;
  private closed = false;

  constructor(options: QueueClientOptions = {}) {
    const { defaultQueue, isAsync, defaults, noWorkerWarningMs, retention, flow } = resolveClientOptions(options);
    this.defaultQueue = defaultQueue;
    this.isAsync = isAsync;
    const { connection, prefix, logger, enqueueTimeout, logFailedJobs, eventStream, tracing } = options;
    this.engine = new Engine({ connection, prefix, logger, enqueueTimeout, logFailedJobs, eventStream, tracing, retention, flow });
    attachEngine(this, this.engine);
    const handle = (id: string, name: string, queue: string, status?: JobStatus, duplicate?: boolean) => new JobHandle(this, id, name, queue, status, duplicate);
    const store = new JobStore(this.engine, handle, replicaWait(options.waitForReplicas));
    this.store = store;
    this.locator = new JobLocator(this.engine);
    this.inspector = new Inspector(this.engine);
    this.control = new JobControl(this.engine);
    this.waits = new ResultWaits(this.engine);
    this.queueControl = new QueueControl(this.engine);
    this.deleter = new QueueDeleter(this.engine, this.queueControl);
    this.overview = new QueueOverview(this.engine, this.inspector, this.locator);
    this.schedules = new Schedules(this.engine, this.locator);
    this.scheduleList = new ScheduleList(this.engine, this.locator);
    let sync: SyncRunner | undefined;
    this.sync = () => (sync ??= new SyncRunner(this.engine, store, options.registry, this.control));
    this.producer = new Producer(
      this.engine,
      { defaultQueue, noWorkerWarningMs, defaults, isAsync: this.isAsync, registry: options.registry, strictNames: options.strictNames },
      store,
      this.locator,
      this.sync,
      handle,
    );
  }

  get prefix(): string {
    return this.engine.prefix;
  }

  get logger(): Logger {
    return this.engine.logger;
  }

  /** Enqueues one job (see Producer.enqueue). */
  async enqueue<R = unknown>(name: string, data?: unknown, options: EnqueueOptions = {}): Promise<JobHandle<R>> {
    this.assertOpen();
    return (await this.producer.enqueue(name, data, options)) as JobHandle<R>;
  }

  /** Enqueues many jobs: one script call per chunk of each queue, atomic per chunk, in the order given. */
  async enqueueMany(items: EnqueueItem[]): Promise<JobHandle[]> {
    this.assertOpen();
    return this.producer.enqueueMany(items);
  }

  /** Declares that the registry holds every handler, so unknown job names are rejected at enqueue. */
  handlersComplete(): void {
    this.producer.handlersComplete();
  }

  /**
   * Finds a job by id: in `queue` when given, else wherever it is. The id of an inbox entry that stored nothing, since
   * a live job held its `unique` key, answers with that job's handle (`duplicate` true) for a while (README "Direct
   * Redis").
   */
  async getJob(id: string, queue?: string): Promise<JobHandle | null> {
    if (typeof id !== 'string' || id === '') throw new InvalidOptionError('id', id, 'a job id string');
    if (queue !== undefined) assertQueueName(queue);
    const job = await this.locator.find(id, queue);
    return job && new JobHandle(this, job.id, job.name, job.queue, undefined, job.duplicate);
  }

  /**
   * Turns the entries waiting in `queue`'s inbox (jobs pushed by any Redis client) into jobs now. Workers do this by
   * themselves as entries arrive; this is for a queue no worker consumes yet, or a test.
   */
  async ingestInbox(queue: string): Promise<InboxIngested> {
    this.assertOpen();
    assertQueueName(queue);
    return ingestInbox(this.engine, queue);
  }

  /** Every queue name this prefix has used. */
  getQueues(): Promise<string[]> {
    return this.locator.queues();
  }

  /** Job ids in one status of one queue, in that registry's order (see Inspector.getJobIds). */
  getJobIds(queue: string, status: JobStatus, start = 0, end = -1): Promise<string[]> {
    return this.inspector.getJobIds(queue, status, start, end);
  }

  /** How many jobs of one queue are in each status. */
  countJobs(queue: string): Promise<Record<JobStatus, number>> {
    return this.inspector.countJobs(queue);
  }

  /** The groups of a queue (`group.id` of its jobs), by id: queued and running jobs and the limits of each. */
  getGroups(queue: string): Promise<GroupCount[]> {
    return this.inspector.groupCounts(queue);
  }

  /** A summary of each of `queues` (default: every queue of this prefix): counts per status, paused, live workers. */
  getQueueSummaries(queues?: string[]): Promise<QueueSummary[]> {
    return this.overview.summaries(queues);
  }

  /** A page of one status's jobs with their info (`offset` default 0, `limit` default 20, at most 1,000). */
  listJobs(queue: string, status: JobStatus, page: { offset?: number; limit?: number } = {}): Promise<JobPage> {
    return this.overview.page(queue, status, page.offset, page.limit);
  }

  /** The live workers of this prefix (the registry each worker refreshes on its lease timer). */
  getWorkers(): Promise<WorkerInfo[]> {
    return this.engine.workers.list();
  }

  /** Pauses a queue: its workers (those running and any started later) fetch nothing; enqueue goes on. True if it was not paused. */
  pauseQueue(queue: string): Promise<boolean> {
    return this.queueControl.setPaused(queue, true);
  }

  /** Resumes a paused queue (its workers fetch again). True if it was paused. */
  resumeQueue(queue: string): Promise<boolean> {
    return this.queueControl.setPaused(queue, false);
  }

  /**
   * Deletes the queue's queued jobs (RQ's `q.empty()`), a batch per script call; their dependents follow the rule for
   * a deleted dependency (it counts as met). Resolves with how many were deleted.
   */
  emptyQueue(queue: string, onProgress?: BulkProgress): Promise<number> {
    return this.queueControl.all('delete', queue, 'queued', onProgress);
  }

  /**
   * Deletes queue `queue`: all its jobs (whatever their status), registries, schedules, inbox, event stream and
   * settings, and its entries in the keys outside it (the queue list, the caller-chosen id index). Jobs of other
   * queues that depend on its jobs go on as for deleted dependencies (met). Refused with QueueInUseError while live
   * workers consume it, unless `force` (see DeleteQueueOptions). Not atomic with enqueues into the queue meanwhile.
   */
  async deleteQueue(queue: string, options?: DeleteQueueOptions): Promise<DeletedQueue> {
    const deleted = await this.deleter.delete(queue, options);
    this.store.forgetQueue(queue);
    return deleted;
  }

  /** Requeues every job of `queue` in `status` (default failed), a batch per script call; resolves with how many. */
  requeueAll(queue: string, status: RequeueStatus = 'failed', onProgress?: BulkProgress): Promise<number> {
    return this.queueControl.all('requeue', queue, status, onProgress);
  }

  /** Deletes every job of `queue` in `status`, a batch per script call; resolves with how many. */
  deleteAll(queue: string, status: DeleteStatus, onProgress?: BulkProgress): Promise<number> {
    return this.queueControl.all('delete', queue, status, onProgress);
  }

  /** Requeues many jobs by id (those of `queue`, else found wherever they are), a batch per script call. */
  requeueJobs(ids: string[], options: { queue?: string; onProgress?: BulkProgress } = {}): Promise<ManyJobsOutcome> {
    return jobsByQueue(this.locator, ids, options, (q, batch, progress) => this.queueControl.requeueMany(q, batch, progress));
  }

  /** Deletes many jobs by id (those of `queue`, else found wherever they are), a batch per script call. */
  deleteJobs(ids: string[], options: { queue?: string; onProgress?: BulkProgress } = {}): Promise<ManyJobsOutcome> {
    return jobsByQueue(this.locator, ids, options, (q, batch, progress) => this.queueControl.deleteMany(q, batch, progress));
  }

  /**
   * Creates or updates recurring schedule `id`: each tick of `rule` enqueues job `name` with `data` and `options`
   * (defaults merged as for an enqueue; not jobId, dependsOn, delay or runAt). A changed rule takes effect from its
   * next tick; the same rule registered again keeps its next tick. A bad rule, name or option is an
   * InvalidOptionError and stores nothing.
   */
  async upsertSchedule(id: string, rule: ScheduleRule, name: string, data?: unknown, options?: EnqueueOptions): Promise<{ outcome: UpsertOutcome; nextRunAt: Date | null }> {
    this.assertOpen();
    const spec = await this.producer.scheduledJob(name, data, options);
    return this.schedules.upsert(id, rule, spec);
  }

  /** Removes schedule `id` (its jobs already enqueued stay); false when there was none. */
  removeSchedule(id: string): Promise<boolean> {
    return this.schedules.remove(id);
  }

  /** Enqueues schedule `id`'s job now, as a tick would (its next tick unchanged); null when there is no such schedule.
   * A `unique` schedule whose last job is live makes none: that job's handle, with `duplicate` true. */
  async runSchedule(id: string): Promise<JobHandle | null> {
    const ran = await this.schedules.runNow(id);
    if (!ran) return null;
    const job = await this.getJob(ran.id, ran.queue);
    return job && ran.duplicate ? new JobHandle(this, job.id, job.name, job.queue, undefined, true) : job;
  }

  /** The recurring schedules of `queue`, or of every queue. */
  getSchedules(queue?: string): Promise<ScheduleInfo[]> {
    if (queue !== undefined) assertQueueName(queue);
    return this.scheduleList.list(queue);
  }

  /** Makes scheduled job `id` of `queue` runnable now (JobHandle.promote()); in sync mode it runs here first. */
  async promoteJob(queue: string, id: string): Promise<void> {
    await this.control.promote(queue, id);
    if (!this.isAsync) await this.sync().runQueued(queue, id);
  }

  /** Stops a running job by id (in `queue`, else wherever it is): see JobHandle.stop(). */
  async stopJob(id: string, queue?: string): Promise<void> {
    const handle = await this.getJob(id, queue);
    if (!handle) throw new JobNotFoundError(id);
    await handle.stop();
  }

  /** Answers once Redis does (a round trip on the command connection). */
  async ping(): Promise<void> {
    await this.engine.redis.ping();
  }

  /**
   * Whether Redis answers a PING within `timeoutMs` (default 1 s), without waiting out ioredis's retries (a Redis
   * known to be down is reported at once): for health checks (the Nest face's QueueHealthIndicator).
   */
  health(timeoutMs = 1000): Promise<RedisHealth> {
    return redisHealth(this.engine, this.closed, timeoutMs);
  }

  /**
   * Job events of this process's workers (and sync-mode runs): `completed`, `failed`, `retrying`, `progress`,
   * `stalled`. Returns the function that stops listening.
   */
  on<E extends JobEventName>(event: E, listener: JobEventListener<E>, options?: ListenOptions): () => void {
    if (!JOB_EVENT_NAMES.includes(event)) throw new InvalidOptionError('event', event, `one of ${JOB_EVENT_NAMES.join(', ')}`);
    return this.engine.events.on(event, listener, options);
  }

  /** Called after each enqueue call of this process that stored new jobs (counts per queue and name). */
  onEnqueued(listener: (event: JobsEnqueuedEvent) => void): () => void {
    return this.engine.events.onEnqueued(listener);
  }

  /**
   * Follows the Redis event streams of `queues` (written by workers whose client has `eventStream` on, in any
   * process), from now on; `listener` gets each event. Resolves once following (no event after that is missed);
   * close the follower when done.
   */
  async followEvents(queues: string[], listener: (event: JobEvent) => void): Promise<EventFollower> {
    this.assertOpen();
    if (!Array.isArray(queues) || queues.length === 0) throw new InvalidOptionError('queues', queues, 'a non-empty array of queue names');
    queues.forEach((q) => assertQueueName(q));
    const follower = new EventFollower(this.engine, [...new Set(queues)], listener);
    follower.start();
    await follower.ready().catch(() => undefined); // Redis away: the follower starts from where Redis is when it answers
    return follower;
  }

  // ---- JobOperations (used by JobHandle) ----

  getStatus(queue: string, id: string): Promise<JobStatus> {
    return this.inspector.getStatus(queue, id);
  }

  getInfo(queue: string, id: string): Promise<JobInfo> {
    return this.inspector.getInfo(queue, id);
  }

  async waitResult(queue: string, id: string, timeout?: Duration): Promise<unknown> {
    this.assertOpen();
    return this.waits.wait(queue, id, timeout);
  }

  cancelJob(queue: string, id: string): Promise<void> {
    return this.control.cancel(queue, id);
  }

  requeueJob(queue: string, id: string): Promise<void> {
    return this.control.requeue(queue, id);
  }

  stopRunning(queue: string, id: string): Promise<void> {
    return this.control.stop(queue, id);
  }

  deleteJob(queue: string, id: string): Promise<boolean> {
    return this.control.delete(queue, id);
  }

  async chainJob(parent: JobHandle, name: string, options: EnqueueOptions = {}): Promise<JobHandle> {
    this.assertOpen();
    return this.producer.chain(parent, name, options);
  }

  private assertOpen(): void {
    if (this.closed) throw new ClientClosedError('This QueueClient was closed; make the call on one that is open.');
  }

  /** Ends pending result() waits and closes the connections this client opened. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.producer.close();
    await this.waits.close();
    await this.engine.close();
  }
}
