import type { Logger } from '../model/logger.js';
import type { JobErrorInfo, JsonObject } from '../model/types.js';

/**
 * The events of a job's life that listeners can follow. `completed`: the handler returned (and onSuccess passed).
 * `failed`: the attempt failed for good (handler error, timeout, invalid payload, unknown handler, abandoned).
 * `retrying`: an attempt failed and the job will run again (emitted by the retry code, through `retrying()`).
 * `progress`: a running job reported progress (through `progress()`). `stalled`: the worker running an attempt
 * stopped renewing its lease (it died or hung); the job was requeued, or failed when no attempts were left.
 */
export const JOB_EVENT_NAMES = ['completed', 'failed', 'retrying', 'progress', 'stalled'] as const;
export type JobEventName = (typeof JOB_EVENT_NAMES)[number];

interface JobEventBase {
  /** the job's id, handler name, queue and attempt (1 on the first run) */
  id: string;
  name: string;
  queue: string;
  attempt: number;
  /** the worker that ran the attempt (or, for `stalled`, the one that found it stalled) */
  workerId: string;
}

export interface JobCompletedEvent extends JobEventBase {
  event: 'completed';
  /** the handler's return value (in-process listeners only: the Redis stream carries ids, not data) */
  result?: unknown;
}

export interface JobFailedEvent extends JobEventBase {
  event: 'failed';
  error: JobErrorInfo;
}

export interface JobRetryingEvent extends JobEventBase {
  event: 'retrying';
  error: JobErrorInfo;
  /** how long the job waits before its next attempt */
  delayMs: number;
}

export interface JobProgressEvent extends JobEventBase {
  event: 'progress';
  progress: number | JsonObject;
}

export interface JobStalledEvent extends JobEventBase {
  event: 'stalled';
  /** true: requeued for another attempt; false: failed as abandoned (no attempts left) */
  requeued: boolean;
}

export interface JobEventMap {
  completed: JobCompletedEvent;
  failed: JobFailedEvent;
  retrying: JobRetryingEvent;
  progress: JobProgressEvent;
  stalled: JobStalledEvent;
}
export type JobEvent = JobEventMap[JobEventName];
export type JobEventListener<E extends JobEventName = JobEventName> = (event: JobEventMap[E]) => unknown;

/** The job a worker part reports on: what every event names. */
export interface EventJob {
  id: string;
  name: string;
  queue: string;
  attempt: number;
}

/**
 * The engine's job events in this process: the one place every part reports a job's completion, failure, retry,
 * progress or stall, and that listeners (the Nest face's @OnJobEvent methods, metrics) and the Redis stream writer
 * hear from. Reporting costs nothing for an event nobody wants: callers on the hot path ask `wants` first, so the
 * event object (and a decoded result) is only made when something will read it. Failed jobs are logged here.
 */
export class JobEvents {
  private readonly listeners = new Map<JobEventName, Set<JobEventListener>>();
  private sink: ((event: JobEvent) => void) | null = null;
  /** Per event name: is anyone (a listener, the stream, the failure log) interested? Read on the hot path. */
  readonly wants: Record<JobEventName, boolean> = { completed: false, failed: false, retrying: false, progress: false, stalled: false };

  constructor(
    private readonly logger: Logger,
    private readonly logFailures: boolean,
  ) {
    this.refresh();
  }

  /** Calls `listener` for each `event` of this process; returns the function that stops it. */
  on<E extends JobEventName>(event: E, listener: JobEventListener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as JobEventListener);
    this.refresh();
    return () => {
      set.delete(listener as JobEventListener);
      this.refresh();
    };
  }

  /** Where every event also goes (the Redis stream writer); one at most. */
  setSink(sink: ((event: JobEvent) => void) | null): void {
    this.sink = sink;
    this.refresh();
  }

  private refresh(): void {
    for (const name of Object.keys(this.wants) as JobEventName[]) {
      this.wants[name] = this.sink !== null || (this.listeners.get(name)?.size ?? 0) > 0 || (name === 'failed' && this.logFailures);
    }
  }

  /** A job finished (`resultJson` as stored: '' for undefined). */
  completed(job: EventJob, workerId: string, resultJson: string): void {
    if (!this.wants.completed) return;
    // decoded only for in-process listeners; the stream carries no data
    const listeners = this.listeners.get('completed');
    const event: JobCompletedEvent = { event: 'completed', id: job.id, name: job.name, queue: job.queue, attempt: job.attempt, workerId };
    if (listeners?.size) event.result = resultJson === '' ? undefined : safeParse(resultJson);
    this.emit(event);
  }

  /** A job failed for good (`errorJson`: the stored JobErrorInfo). `log: false` where the caller already logged it. */
  failed(job: EventJob, workerId: string, errorJson: string, log = true): void {
    if (!this.wants.failed) return;
    const error = parseError(errorJson);
    if (log && this.logFailures) {
      this.logger.error(`Job "${job.name}" ${job.id} (queue ${job.queue}, attempt ${job.attempt}) failed: ${error.name}: ${error.message}`, error.stack);
    }
    this.emit({ event: 'failed', id: job.id, name: job.name, queue: job.queue, attempt: job.attempt, workerId, error });
  }

  /** An attempt failed and the job runs again after `delayMs`: the retry code reports it here (only here). */
  retrying(job: EventJob, workerId: string, error: JobErrorInfo, delayMs: number): void {
    if (!this.wants.retrying) return;
    this.emit({ event: 'retrying', id: job.id, name: job.name, queue: job.queue, attempt: job.attempt, workerId, error, delayMs });
  }

  /** A running job reported progress: the progress code reports it here (only here). */
  progress(job: EventJob, workerId: string, progress: number | JsonObject): void {
    if (!this.wants.progress) return;
    this.emit({ event: 'progress', id: job.id, name: job.name, queue: job.queue, attempt: job.attempt, workerId, progress });
  }

  /** Maintenance (run by `workerId`) took back an attempt whose worker stopped renewing its lease. */
  stalled(job: EventJob, workerId: string, requeued: boolean): void {
    if (!this.wants.stalled) return;
    this.emit({ event: 'stalled', id: job.id, name: job.name, queue: job.queue, attempt: job.attempt, workerId, requeued });
  }

  /** Hands an event to the sink and the listeners; a listener that throws (or rejects) is logged, never the caller's problem. */
  emit(event: JobEvent): void {
    this.sink?.(event);
    const set = this.listeners.get(event.event);
    if (!set) return;
    for (const listener of set) {
      try {
        const r = listener(event);
        if (r instanceof Promise) r.catch((err: unknown) => this.listenerFailed(event, err));
      } catch (err) {
        this.listenerFailed(event, err);
      }
    }
  }

  private listenerFailed(event: JobEvent, err: unknown): void {
    this.logger.error(`A "${event.event}" listener of job ${event.id} threw: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parseError(text: string): JobErrorInfo {
  const v = safeParse(text);
  if (v && typeof v === 'object' && typeof (v as JobErrorInfo).message === 'string') return v as JobErrorInfo;
  return { name: 'Error', message: String(text) };
}
