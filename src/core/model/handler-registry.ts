import { DuplicateJobNameError, UnknownCallbackError, UnknownJobError } from './errors.js';
import type { JobContext, JobDefaults, JobSchedule, JobSnapshot } from './types.js';

export type PayloadClass = abstract new (...args: never[]) => object;

/** A job handler as the engine sees it: a name, a function bound to its instance, and its defaults. */
export interface JobHandlerDefinition {
  name: string;
  handle: (data: unknown, ctx: JobContext) => unknown;
  defaults: JobDefaults;
  /** The class of the handler's first parameter when it carries class-validator rules. */
  payloadClass?: PayloadClass;
  /** Where it was declared ("Class.method"), for error messages. */
  source: string;
  /** A recurring schedule (`@Job(name, { schedule })`), registered with the job's name as its id by the consumer. */
  schedule?: JobSchedule;
  /**
   * 'thread': a worker runs it in its pool of worker threads (WorkerOptions.threads), off the event loop, where a
   * timeout really ends it (the thread is terminated). Sync mode runs it inline.
   */
  isolate?: 'thread';
}

/** A `@JobCallback`: called as (job) for onStopped, (job, result) for onSuccess, (job, error) for onFailure. */
export interface JobCallbackDefinition {
  name: string;
  handle: (job: JobSnapshot, arg?: unknown) => unknown;
  source: string;
}

/** The handlers and callbacks known to this process, by name. */
export class HandlerRegistry {
  private readonly byName = new Map<string, JobHandlerDefinition>();
  private readonly callbacks = new Map<string, JobCallbackDefinition>();

  registerCallback(def: JobCallbackDefinition): void {
    const existing = this.callbacks.get(def.name);
    if (existing) throw new DuplicateJobNameError(def.name, existing.source, def.source);
    this.callbacks.set(def.name, def);
  }

  getCallback(name: string): JobCallbackDefinition | undefined {
    return this.callbacks.get(name);
  }

  callbackNames(): string[] {
    return [...this.callbacks.keys()];
  }

  requireCallback(name: string): JobCallbackDefinition {
    const def = this.callbacks.get(name);
    if (!def) throw new UnknownCallbackError(name, [...this.callbacks.keys()]);
    return def;
  }

  register(def: JobHandlerDefinition): void {
    const existing = this.byName.get(def.name);
    if (existing) throw new DuplicateJobNameError(def.name, existing.source, def.source);
    this.byName.set(def.name, def);
  }

  get(name: string): JobHandlerDefinition | undefined {
    return this.byName.get(name);
  }

  /** The handler, or an UnknownJobError listing the names this process knows. */
  require(name: string): JobHandlerDefinition {
    const def = this.byName.get(name);
    if (!def) throw new UnknownJobError(name, this.names());
    return def;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  get size(): number {
    return this.byName.size;
  }
}
