import type { Engine } from '../engine.js';
import { decodeCallbackSet } from '../model/callback-set.js';
import { JobStoppedError } from '../model/errors.js';
import type { HandlerRegistry } from '../model/handler-registry.js';
import { queueChannels, type QueueChannels } from '../redis/queue-channels.js';
import { runCallback, snapshotOf } from '../run/callbacks.js';
import type { RunningJob, RunningJobs } from './running-jobs.js';

/** Hears stop() requests for the jobs this worker runs (each queue's control channel) and stops them here. */
export class StopChannel {
  private sub: QueueChannels | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly queues: readonly string[],
    private readonly running: RunningJobs,
    private readonly registry: HandlerRegistry,
  ) {}

  /**
   * Subscribes to the control channel of each queue (sharded on a cluster: QueueChannels). `lookAgain` runs once the
   * subscription is confirmed, and again after each resubscription: a stop published before then (the worker may
   * already run the job: it fetches while this subscribes, slower on a cluster) was not heard, and a lease renewal
   * finds it (lease.ts) at once instead of a third of `leaseTime` later.
   */
  start(lookAgain: () => void): void {
    const byChannel = new Map(this.queues.map((q) => [this.engine.queue(q).control, q]));
    const onMessage = (channel: string, message: string) => {
      const queue = byChannel.get(channel);
      const [cmd, id] = message.split('\n');
      if (!queue || cmd !== 'stop' || !id) return;
      const job = this.running.get(queue, id);
      if (job) this.stop(job);
    };
    const sub = queueChannels(this.engine.redis, () => this.engine.connection(), (err) => this.engine.backgroundError('worker stop channel', err), onMessage, lookAgain);
    this.sub = sub;
    // on one Redis, ioredis subscribes again by itself after a reconnect
    sub.subscribe([...byChannel.keys()]).then(lookAgain, (err: unknown) => this.engine.backgroundError('worker stop channel', err));
  }

  /** stop(): abort the job's signal, free its slot, run its onStopped callback. */
  stop(job: RunningJob): void {
    // a stop message and a lease renewal may both see the stop: onStopped runs once, for whichever dropped the job
    if (!this.running.drop(job, new JobStoppedError(`Job ${job.job.id} was stopped on request.`))) return;
    const callbacks = decodeCallbackSet(job.job.callbacks);
    if (!callbacks.onStopped) return;
    const { id, name, queue, data, attempt, meta } = job.job;
    runCallback(this.registry, callbacks, 'onStopped', snapshotOf(id, name, queue, data, attempt, meta, false)).catch((err: Error) =>
      this.engine.logger.error(`onStopped callback of job ${id} failed: ${err.message}`),
    );
  }

  async close(): Promise<void> {
    if (this.sub) await this.sub.close();
  }
}
