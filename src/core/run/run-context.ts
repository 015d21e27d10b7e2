import { encodeProgress } from '../model/progress.js';
import type { JsonObject, JobContext } from '../model/types.js';
import type { FetchedJob } from '../redis/work-codec.js';
import type { JobAbort } from './job-abort.js';

/**
 * Stores what a running job reports: its meta (ctx.updateMeta) and its progress (ctx.progress: the value checked, and
 * as JSON). One per worker, not one per job.
 */
export interface JobWriter {
  meta(job: FetchedJob, meta: JsonObject): Promise<void>;
  progress(job: FetchedJob, value: number | JsonObject, json: string): Promise<void>;
}

/** What a handler receives as `ctx`: one object per job, its methods shared on the prototype. */
export class RunContext implements JobContext {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly attempt: number;
  readonly retries: number;
  readonly #job: FetchedJob;
  readonly #abort: JobAbort;
  readonly #save: JobWriter;

  constructor(
    job: FetchedJob,
    readonly meta: JsonObject,
    abort: JobAbort,
    save: JobWriter,
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
    await this.#save.meta(this.#job, this.meta);
  }

  async progress(value: number | JsonObject): Promise<void> {
    await this.#save.progress(this.#job, value, encodeProgress(value));
  }
}
