import { JobControl } from './control/job-control.js';
import { ResultWaits } from './control/result-waits.js';
import { attachEngine } from './engine-of.js';
import { Engine } from './engine.js';
import { Inspector } from './inspect/inspector.js';
import { JobLocator } from './inspect/job-locator.js';
import { DEFAULTS } from './model/defaults.js';
import { toMs, type Duration } from './model/duration.js';
import { ClientClosedError, InvalidOptionError, JobNotFoundError } from './model/errors.js';
import type { HandlerRegistry } from './model/handler-registry.js';
import { JobHandle, type JobOperations } from './model/job-handle.js';
import { validateJobDefaults } from './model/job-spec.js';
import type { Logger } from './model/logger.js';
import { assertQueueName } from './model/names.js';
import type { EnqueueItem, EnqueueOptions, JobDefaults, JobInfo, JobStatus } from './model/types.js';
import { JobStore } from './producer/job-store.js';
import { Producer } from './producer/producer.js';
import { SyncRunner } from './producer/sync-runner.js';
import type { ConnectionOption } from './redis/connection.js';

export interface QueueClientOptions {
  /**
   * Redis URL, ioredis options or instance (Redis or Cluster), or a Redis Cluster's nodes `{ cluster: [{ host, port }],
   * options? }`. Default: REDIS_URL, else redis://127.0.0.1:6379.
   */
  connection?: ConnectionOption;
  /** Key namespace. Default 'jobline'. */
  prefix?: string;
  defaultQueue?: string;
  defaultJobOptions?: JobDefaults;
  /** false: enqueue runs the job in this process before returning (tests). Default true. */
  isAsync?: boolean;
  /** Handlers known in this process: used for @Job defaults, payload validation and sync mode. */
  registry?: HandlerRegistry;
  /**
   * Reject job names the registry does not know. Default: only once `handlersComplete()` was called (this process
   * holds every handler, e.g. it runs a consumer) or in sync mode.
   */
  strictNames?: boolean;
  logger?: Logger;
  /**
   * Replication an enqueue waits for before it resolves (Redis WAIT on the queue's master): a number of replicas, or
   * `{ replicas, timeout? }` (timeout default 1 s). If fewer confirm in time it rejects with ReplicationTimeoutError
   * (the jobs are stored on the master; enqueueing again with the same jobId is safe). Default: none, as Redis
   * replicates asynchronously: a master that fails right after an enqueue may lose it.
   */
  waitForReplicas?: number | { replicas: number; timeout?: Duration };
}

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
  private closed = false;

  constructor(options: QueueClientOptions = {}) {
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', options, 'an object of queue options');
    const defaultQueue = options.defaultQueue ?? DEFAULTS.QUEUE;
    assertQueueName(defaultQueue);
    if (options.isAsync !== undefined && typeof options.isAsync !== 'boolean') {
      throw new InvalidOptionError('isAsync', options.isAsync, 'true or false');
    }
    const defaults = options.defaultJobOptions ?? {};
    validateJobDefaults(defaults, 'defaultJobOptions', defaultQueue);
    this.defaultQueue = defaultQueue;
    this.isAsync = options.isAsync ?? true;
    this.engine = new Engine({ connection: options.connection, prefix: options.prefix, logger: options.logger });
    attachEngine(this, this.engine);
    const handle = (id: string, name: string, queue: string) => new JobHandle(this, id, name, queue);
    const store = new JobStore(this.engine, handle, replicaWait(options.waitForReplicas));
    this.locator = new JobLocator(this.engine);
    this.inspector = new Inspector(this.engine);
    this.control = new JobControl(this.engine);
    this.waits = new ResultWaits(this.engine);
    let sync: SyncRunner | undefined;
    this.producer = new Producer(
      this.engine,
      { defaultQueue, defaults, isAsync: this.isAsync, registry: options.registry, strictNames: options.strictNames },
      store,
      this.locator,
      () => (sync ??= new SyncRunner(this.engine, store, options.registry, this.control)),
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

  /** Finds a job by id: in `queue` when given, else wherever it is. */
  async getJob(id: string, queue?: string): Promise<JobHandle | null> {
    if (typeof id !== 'string' || id === '') throw new InvalidOptionError('id', id, 'a job id string');
    if (queue !== undefined) {
      assertQueueName(queue);
      const name = await this.locator.nameIn(queue, id);
      return name === null ? null : new JobHandle(this, id, name, queue);
    }
    const where = (await this.locator.locate([id])).get(id);
    return where ? new JobHandle(this, id, where.name, where.queue) : null;
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
    await this.waits.close();
    await this.engine.close();
  }
}

/** Validates `waitForReplicas` (see QueueClientOptions). */
function replicaWait(option: QueueClientOptions['waitForReplicas']): { replicas: number; timeoutMs: number } | undefined {
  if (option === undefined) return undefined;
  const { replicas, timeout = 1 } = typeof option === 'number' ? { replicas: option } : option !== null && typeof option === 'object' ? option : { replicas: NaN };
  if (!Number.isInteger(replicas) || replicas < 1) {
    throw new InvalidOptionError('waitForReplicas', option, 'a number of replicas (an integer of at least 1), or { replicas, timeout? }');
  }
  return { replicas, timeoutMs: toMs('waitForReplicas.timeout', timeout) };
}
