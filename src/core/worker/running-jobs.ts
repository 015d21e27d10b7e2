import type { HandlerRegistry } from '../model/handler-registry.js';
import type { FetchedJob } from '../redis/work-codec.js';
import { JobAbort } from '../run/job-abort.js';
import { runJob } from '../run/job-runner.js';
import type { ThreadRunner } from '../run/job-threads.js';
import type { Outcome } from '../run/outcome.js';
import type { JobWriter } from '../run/run-context.js';
import type { JobTracing } from '../tracing/job-tracing.js';

/** A job this worker runs now, and the switch that aborts its signal. */
export interface RunningJob {
  job: FetchedJob;
  abort: JobAbort;
}

/**
 * The jobs this worker runs: starts each fetched job, reports each outcome that still counts, and frees the slot of
 * a job the worker stops holding (dropped: its late outcome no longer counts).
 */
export class RunningJobs {
  private readonly jobs = new Map<string, RunningJob>();
  /** Set while someone waits for the last job to end (close()). */
  private drained: (() => void) | null = null;

  constructor(
    private readonly registry: HandlerRegistry,
    private readonly saveMeta: JobWriter,
    /** a job ended with an outcome to record */
    private readonly onEnd: (job: FetchedJob, outcome: Outcome) => void,
    /** a slot was freed without an outcome (a dropped job) */
    private readonly onFreed: () => void,
    /** where handlers marked isolate: 'thread' run */
    private readonly threads: ThreadRunner,
    /** spans around the runs of jobs enqueued under a span */
    private readonly tracing: JobTracing | null = null,
  ) {}

  get size(): number {
    return this.jobs.size;
  }

  /**
   * Runs a fetched job. A handler that returned a plain value is done before runJob returns: its outcome is reported
   * at once, and the job is never entered in the map (nothing could have reached it there: it never yielded).
   */
  start(job: FetchedJob): void {
    const abort = new JobAbort();
    const outcome =
      job.traceparent && this.tracing
        ? this.tracing.process(job, () => runJob(job, this.registry, abort, this.saveMeta, this.threads))
        : runJob(job, this.registry, abort, this.saveMeta, this.threads);
    if (!(outcome instanceof Promise)) {
      this.onEnd(job, outcome);
      return;
    }
    const key = keyOf(job.queue, job.id);
    this.jobs.set(key, { job, abort });
    void outcome.then((o) => {
      const running = this.jobs.get(key);
      if (!running) return; // released at shutdown or lost: its outcome no longer counts
      this.jobs.delete(key);
      if (this.jobs.size === 0) this.drained?.();
      this.onEnd(running.job, o);
    });
  }

  get(queue: string, id: string): RunningJob | undefined {
    return this.jobs.get(keyOf(queue, id));
  }

  /**
   * Frees the slot of a job this worker no longer holds and aborts its signal with `reason`; its outcome will not
   * count. Returns false when the job was already gone (dropped by another path meanwhile).
   */
  drop(running: RunningJob, reason: Error): boolean {
    if (!this.jobs.delete(keyOf(running.job.queue, running.job.id))) return false;
    running.abort.abort(reason);
    if (this.jobs.size === 0) this.drained?.();
    this.onFreed();
    return true;
  }

  /** The running jobs of each queue. */
  byQueue(): Map<string, RunningJob[]> {
    const byQueue = new Map<string, RunningJob[]>();
    for (const r of this.jobs.values()) {
      const list = byQueue.get(r.job.queue);
      if (list) list.push(r);
      else byQueue.set(r.job.queue, [r]);
    }
    return byQueue;
  }

  /** Resolves when no job runs, or after `ms`, whichever comes first. */
  async settled(ms: number): Promise<void> {
    if (!this.jobs.size) return;
    await new Promise<void>((resolve) => {
      const deadline = setTimeout(resolve, ms);
      this.drained = () => {
        clearTimeout(deadline);
        resolve();
      };
    });
    this.drained = null;
  }

  /** Aborts every job still running with `reason` and forgets it; returns those jobs. */
  releaseAll(reason: (job: FetchedJob) => Error): FetchedJob[] {
    const released: FetchedJob[] = [];
    for (const [key, r] of this.jobs) {
      this.jobs.delete(key);
      r.abort.abort(reason(r.job));
      released.push(r.job);
    }
    return released;
  }
}

function keyOf(queue: string, id: string): string {
  return `${queue}\n${id}`;
}
