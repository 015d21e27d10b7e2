import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import {
  InvalidOptionError,
  QueueClient,
  type BulkProgress,
  type DeletedQueue,
  type DeleteQueueOptions,
  type DeleteStatus,
  type EnqueueItem,
  type EnqueueOptions,
  type GroupCount,
  type JobHandle,
  type JobPage,
  type JobStatus,
  type ManyJobsOutcome,
  type QueueSummary,
  type RequeueStatus,
  type ScheduleInfo,
  type ScheduleRule,
  type UpsertOutcome,
  type WorkerInfo,
} from '../core/index.js';
import { JOB_METADATA, JOBLINE_CLIENT } from './jobline.constants.js';
import type { JobMetadata } from './job.decorator.js';
import { TypedJob, type HandlerMethods, type JobDataOf, type JobResultOf } from './typed-job.js';

/**
 * The injectable queue: the contract's `enqueue`, `enqueueMany` and `getJob`, and the registry reads and job control
 * that operating a queue needs. It wraps the engine's QueueClient (whose connections close when the application shuts
 * down) and exposes nothing else of it.
 */
@Injectable()
export class QueueService implements OnApplicationShutdown {
  constructor(@Inject(JOBLINE_CLIENT) private readonly client: QueueClient) {}

  /** Enqueues one job; resolves to its handle. Defaults: module options < @Job options < `options`. */
  enqueue<R = unknown>(name: string, data?: unknown, options?: EnqueueOptions): Promise<JobHandle<R>> {
    return this.client.enqueue<R>(name, data, options);
  }

  /**
   * The jobs of one @Job handler, typed by its method: `queue.job(EmailJobs, 'welcome').enqueue(data)` takes the
   * method's data type and resolves to a handle of its result type. Throws InvalidOptionError for a method that is
   * not a @Job handler.
   */
  job<T extends object, K extends HandlerMethods<T>>(handlers: abstract new (...args: never[]) => T, method: K): TypedJob<JobDataOf<T[K]>, JobResultOf<T[K]>> {
    const fn: unknown = typeof handlers === 'function' ? (handlers.prototype as Record<string, unknown>)[method] : undefined;
    const meta = typeof fn === 'function' ? (Reflect.getMetadata(JOB_METADATA, fn) as JobMetadata | undefined) : undefined;
    if (!meta) {
      const where = typeof handlers === 'function' ? `${handlers.name}.${String(method)}` : handlers;
      throw new InvalidOptionError('method', where, 'a method decorated with @Job');
    }
    return new TypedJob(this, meta.name ?? `${handlers.name}.${method}`);
  }

  /** Enqueues a batch (one script call per chunk of each queue); handles in the order of `items`. */
  enqueueMany(items: EnqueueItem[]): Promise<JobHandle[]> {
    return this.client.enqueueMany(items);
  }

  /** Finds a job by id, in `queue` when given, else in whichever queue holds it; null when it does not exist. */
  getJob(id: string, queue?: string): Promise<JobHandle | null> {
    return this.client.getJob(id, queue);
  }

  /** Job ids in one status of one queue (RQ's registries), in that registry's order. */
  getJobIds(queue: string, status: JobStatus, start?: number, end?: number): Promise<string[]> {
    return this.client.getJobIds(queue, status, start, end);
  }

  /** How many jobs of one queue are in each status. */
  countJobs(queue: string): Promise<Record<JobStatus, number>> {
    return this.client.countJobs(queue);
  }

  /** The groups of a queue (`group.id` of its jobs): queued and running jobs and the limits of each. */
  getGroups(queue: string): Promise<GroupCount[]> {
    return this.client.getGroups(queue);
  }

  /** Every queue name this prefix has used. */
  getQueues(): Promise<string[]> {
    return this.client.getQueues();
  }

  /**
   * Creates or updates recurring schedule `id`: each tick of `rule` (`cron` or `every`, `tz`, `startAt`, `endAt`,
   * `limit`) enqueues job `name` with `data` and `options`. A changed rule takes effect from its next tick.
   */
  upsertSchedule(
    id: string,
    rule: ScheduleRule,
    name: string,
    data?: unknown,
    options?: EnqueueOptions,
  ): Promise<{ outcome: UpsertOutcome; nextRunAt: Date | null }> {
    return this.client.upsertSchedule(id, rule, name, data, options);
  }

  /** Removes a recurring schedule (its jobs already enqueued stay); false when there was none. */
  removeSchedule(id: string): Promise<boolean> {
    return this.client.removeSchedule(id);
  }

  /**
   * Enqueues schedule `id`'s job now, as a tick would (the dashboard's "run now"; its next tick is unchanged). Null when
   * there is no such schedule.
   */
  runSchedule(id: string): Promise<JobHandle | null> {
    return this.client.runSchedule(id);
  }

  /** The recurring schedules, of `queue` or of every queue: rule, next and last tick, last job id. */
  getSchedules(queue?: string): Promise<ScheduleInfo[]> {
    return this.client.getSchedules(queue);
  }

  /** Pauses a queue: its workers (those started later too) fetch nothing until resumed; enqueue goes on. True if it changed. */
  pauseQueue(queue: string): Promise<boolean> {
    return this.client.pauseQueue(queue);
  }

  /** Resumes a paused queue. True if it was paused. */
  resumeQueue(queue: string): Promise<boolean> {
    return this.client.resumeQueue(queue);
  }

  /** Deletes the queued jobs of a queue (their dependents go on as for deleted dependencies); resolves with how many. */
  emptyQueue(queue: string, onProgress?: BulkProgress): Promise<number> {
    return this.client.emptyQueue(queue, onProgress);
  }

  /**
   * Deletes a queue: every job and key of it, and its entries in the keys outside it. Refused while live workers
   * consume it, unless `{ force: true }` (see QueueClient.deleteQueue).
   */
  deleteQueue(queue: string, options?: DeleteQueueOptions): Promise<DeletedQueue> {
    return this.client.deleteQueue(queue, options);
  }

  /** Requeues every job of `queue` in `status` (default failed), a batch per script call; resolves with how many. */
  requeueAll(queue: string, status: RequeueStatus = 'failed', onProgress?: BulkProgress): Promise<number> {
    return this.client.requeueAll(queue, status, onProgress);
  }

  /** Deletes every job of `queue` in `status`, a batch per script call; resolves with how many. */
  deleteAll(queue: string, status: DeleteStatus, onProgress?: BulkProgress): Promise<number> {
    return this.client.deleteAll(queue, status, onProgress);
  }

  /** Requeues many jobs by id (those of `queue`, else found wherever they are): which were done, missing or refused. */
  requeueJobs(ids: string[], options?: { queue?: string; onProgress?: BulkProgress }): Promise<ManyJobsOutcome> {
    return this.client.requeueJobs(ids, options);
  }

  /** Deletes many jobs by id, whatever their status: which were done or missing. */
  deleteJobs(ids: string[], options?: { queue?: string; onProgress?: BulkProgress }): Promise<ManyJobsOutcome> {
    return this.client.deleteJobs(ids, options);
  }

  /** Per queue (default: every queue of this prefix): counts per status, paused, live workers, lanes. */
  getQueueSummaries(queues?: string[]): Promise<QueueSummary[]> {
    return this.client.getQueueSummaries(queues);
  }

  /** A page of one status's jobs with their info (`offset` default 0, `limit` default 20, at most 1,000). */
  listJobs(queue: string, status: JobStatus, page?: { offset?: number; limit?: number }): Promise<JobPage> {
    return this.client.listJobs(queue, status, page);
  }

  /** The live workers of this prefix (the registry each worker refreshes on its lease timer). */
  getWorkers(): Promise<WorkerInfo[]> {
    return this.client.getWorkers();
  }

  /** Stops a running job by id (see JobHandle.stop()). */
  stopJob(id: string, queue?: string): Promise<void> {
    return this.client.stopJob(id, queue);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
