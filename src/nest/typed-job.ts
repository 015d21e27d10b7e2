import type { EnqueueOptions, JobHandle } from '../core/index.js';

/** The methods of `T` (the candidates for a @Job handler). */
export type HandlerMethods<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T] & string;

/** The data a handler takes: its first parameter's type (undefined for a handler that takes none). */
export type JobDataOf<F> = F extends (...args: infer P) => unknown ? (P extends [] ? undefined : P[0]) : never;

/** What a handler's job resolves to: its return value, awaited. */
export type JobResultOf<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;

/** enqueue's arguments: the data is optional only where the handler can take none. */
export type TypedEnqueueArgs<D> = undefined extends D ? [data?: D, options?: EnqueueOptions] : [data: D, options?: EnqueueOptions];

/** What TypedJob needs of the queue (QueueService). */
export interface TypedJobTarget {
  enqueue<R = unknown>(name: string, data?: unknown, options?: EnqueueOptions): Promise<JobHandle<R>>;
  enqueueMany(items: { name: string; data?: unknown; options?: EnqueueOptions }[]): Promise<JobHandle[]>;
}

/**
 * One @Job handler's jobs, with its data and result types checked by the compiler (BullMQ's `Queue<Data, Result>`):
 * `queue.job(EmailJobs, 'welcome').enqueue({ to })` accepts only what `EmailJobs.welcome` takes, and its handle's
 * `result()` resolves to what that method returns.
 */
export class TypedJob<D, R> {
  constructor(
    private readonly target: TypedJobTarget,
    /** the job name the handler is registered under (its @Job name, or "Class.method") */
    readonly name: string,
  ) {}

  enqueue(...[data, options]: TypedEnqueueArgs<D>): Promise<JobHandle<R>> {
    return this.target.enqueue<R>(this.name, data, options);
  }

  /** Enqueues a batch of this job (one script call per chunk); handles in the order of `items`. */
  async enqueueMany(items: { data: D; options?: EnqueueOptions }[]): Promise<JobHandle<R>[]> {
    return (await this.target.enqueueMany(items.map((i) => ({ name: this.name, data: i.data, options: i.options })))) as JobHandle<R>[];
  }
}
