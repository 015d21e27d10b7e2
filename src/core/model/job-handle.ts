import type { Duration } from './duration.js';
import { InvalidOptionError } from './errors.js';
import type { EnqueueOptions, JobInfo, JobStatus } from './types.js';

/** What a handle asks of the client that made it (kept as an interface to avoid a module cycle). */
export interface JobOperations {
  getStatus(queue: string, id: string): Promise<JobStatus>;
  getInfo(queue: string, id: string): Promise<JobInfo>;
  waitResult(queue: string, id: string, timeout?: Duration): Promise<unknown>;
  cancelJob(queue: string, id: string): Promise<void>;
  requeueJob(queue: string, id: string): Promise<void>;
  promoteJob(queue: string, id: string): Promise<void>;
  deleteJob(queue: string, id: string): Promise<boolean>;
  stopRunning(queue: string, id: string): Promise<void>;
  chainJob(parent: JobHandle, name: string, options?: EnqueueOptions): Promise<JobHandle>;
}

/** A reference to a stored job. Cheap to create; every method reads or changes the job in Redis. */
export class JobHandle<R = unknown> {
  constructor(
    private readonly ops: JobOperations,
    readonly id: string,
    readonly name: string,
    readonly queue: string,
    /**
     * The status the job had when an enqueue made this handle (`queued`, `deferred`, `scheduled`, or an existing
     * job's status when its id was taken); undefined for a handle from getJob() or a job whose id another queue held.
     */
    readonly enqueuedStatus?: JobStatus,
    /**
     * True when the enqueue that made this handle stored nothing because a live job held the same `unique` key: the
     * handle is that job's (its id, and its status in `enqueuedStatus`); and for getJob(id) of an inbox entry that
     * stored nothing so (the handle is the live job's). False otherwise.
     */
    readonly duplicate = false,
  ) {}

  /** The job's status now. Throws JobNotFoundError if it no longer exists (deleted, or its TTL ran out). */
  getStatus(): Promise<JobStatus> {
    return this.ops.getStatus(this.queue, this.id);
  }

  info(): Promise<JobInfo> {
    return this.ops.getInfo(this.queue, this.id);
  }

  /**
   * Resolves with the job's return value once it finishes; rejects with JobFailedError once it fails (or is
   * canceled, expired, stopped), with WaitTimeoutError when `timeout` (at most about 24.8 days) passes first. Woken by
   * Redis, not by polling.
   */
  result(opts: { timeout?: Duration } = {}): Promise<R> {
    if (opts === null || typeof opts !== 'object') return Promise.reject(new InvalidOptionError('options', opts, 'an object { timeout? }, or nothing'));
    return this.ops.waitResult(this.queue, this.id, opts.timeout) as Promise<R>;
  }

  /** Cancels a job that has not started (status `canceled`; it never runs). */
  cancel(): Promise<void> {
    return this.ops.cancelJob(this.queue, this.id);
  }

  /** Puts a failed (or canceled, stopped, expired) job back on its queue. */
  requeue(): Promise<void> {
    return this.ops.requeueJob(this.queue, this.id);
  }

  /**
   * Makes a `scheduled` job (delayed, or waiting a retry's backoff) runnable now; in sync mode it runs before this
   * resolves. InvalidJobStateError for a job in any other status.
   */
  promote(): Promise<void> {
    return this.ops.promoteJob(this.queue, this.id);
  }

  /** Deletes the job wherever it is. Resolves false if it did not exist. */
  delete(): Promise<boolean> {
    return this.ops.deleteJob(this.queue, this.id);
  }

  /** Stops the job while it runs: its signal aborts wherever it runs, status `stopped`, its onStopped callback runs. */
  stop(): Promise<void> {
    return this.ops.stopRunning(this.queue, this.id);
  }

  /**
   * Enqueues job `name` to run after this one finishes, with this one's result as its data; resolves to its handle:
   * `const c = await (await a.chain('b')).chain('c')`.
   */
  chain<R2 = unknown>(name: string, options?: EnqueueOptions): Promise<JobHandle<R2>> {
    return this.ops.chainJob(this, name, options) as Promise<JobHandle<R2>>;
  }

  toJSON(): { id: string; name: string; queue: string } {
    return { id: this.id, name: this.name, queue: this.queue };
  }
}
