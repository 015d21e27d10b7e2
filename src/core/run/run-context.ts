import type { JsonObject, JobContext } from '../model/types.js';
import type { FetchedJob } from '../redis/work-codec.js';
import type { JobAbort } from './job-abort.js';

/** Stores a running job's meta (ctx.updateMeta); one function per worker, not one per job. */
export type MetaSaver = (job: FetchedJob, meta: JsonObject) => Promise<void>;

/** What a handler receives as `ctx`: one object per job, its methods shared on the prototype. */
export class RunContext implements JobContext {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly attempt: number;
  readonly retries: number;
  readonly #job: FetchedJob;
  readonly #abort: JobAbort;
  readonly #save: MetaSaver;

  constructor(
    job: FetchedJob,
    readonly meta: JsonObject,
    abort: JobAbort,
    save: MetaSaver,
  ) {
    this.id = job.id;
    this.name = job.name;
    this.queue = job.queue;
    this.attempt = job.attempt;
    this.retries = job.retries;
    this.#job = job;
    this.#abort = abort;
    this.#save = save;
  }

  /** Built only for handlers that read it (see JobAbort). */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  async updateMeta(patch: JsonObject): Promise<void> {
    Object.assign(this.meta, patch);
    await this.#save(this.#job, this.meta);
  }
}
