import { FlowProducer, Queue, Worker, type Job } from 'bullmq';
import type { BenchPayload } from '../payload.js';
import type { RunContext } from '../types.js';

export const QUEUE = 'bench';
export const NOOP = 'bench.noop';

export type BullHandler = (job: Job<BenchPayload>) => unknown;

/**
 * One BullMQ set-up per run, with its recommended settings: the worker's connection has maxRetriesPerRequest null
 * (BullMQ requires it for blocking connections), the producer keeps ioredis' default so adds fail fast when Redis is
 * away; job retention is left at BullMQ's defaults, as Jobline's is (both keep finished jobs).
 */
export class BullRig {
  readonly queue: Queue<BenchPayload>;
  private worker: Worker<BenchPayload> | null = null;
  private flow: FlowProducer | null = null;
  private closed = false;

  constructor(private readonly ctx: RunContext) {
    this.queue = new Queue<BenchPayload>(QUEUE, { connection: { host: ctx.host, port: ctx.port } });
  }

  ready(): Promise<unknown> {
    return this.queue.waitUntilReady();
  }

  flowProducer(): FlowProducer {
    this.flow ??= new FlowProducer({ connection: { host: this.ctx.host, port: this.ctx.port } });
    return this.flow;
  }

  /** `limiter`: BullMQ's rate limiter of the worker (at most `max` jobs per `duration` ms). */
  startWorker(handle: BullHandler, concurrency: number, limiter?: { max: number; duration: number }): void {
    this.worker = new Worker<BenchPayload>(QUEUE, async (job) => handle(job), {
      connection: { host: this.ctx.host, port: this.ctx.port, maxRetriesPerRequest: null },
      concurrency,
      ...(limiter ? { limiter } : {}),
    });
    this.worker.on('error', (err) => this.ctx.check(false, `bullmq worker error: ${err.message}`));
  }

  completedCount(): Promise<number> {
    return this.queue.getCompletedCount();
  }

  /** Counts per state, for the end-of-run check (BullMQ's equivalent of "every job finished"). */
  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('completed', 'failed', 'active', 'wait', 'delayed', 'waiting-children');
  }

  /** Stops the worker; the queue stays usable for the end-of-run checks. */
  async stopWorker(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopWorker();
    await this.flow?.close();
    await this.queue.close();
  }
}

/** The ids BullMQ gave a batch of added jobs (it always assigns one). */
export function idsOf(jobs: readonly Job[]): string[] {
  return jobs.map((j) => String(j.id));
}
