import { randomUUID } from 'node:crypto';
import type { Engine } from '../engine.js';
import { decodeCallbackSet } from '../model/callback-set.js';
import { JobAbandonedError } from '../model/errors.js';
import type { HandlerRegistry } from '../model/handler-registry.js';
import type { JobErrorInfo } from '../model/types.js';
import { joinData } from '../redis/job-hash.js';
import { DATA_FIELDS, JOB_FIELD as F } from '../redis/stored-names.js';
import { runCallback, snapshotOf } from '../run/callbacks.js';
import { errorInfo } from '../run/outcome.js';
import { storeQueueRetention, warnUnboundedRetention } from './retention-setup.js';
import { reportLaneQueues } from '../lanes/lanes.js';

/** Lapsed workers and ttl entries handled per reclaim call (keeps one call short). */
const RECLAIM_LIMIT = 1000;

/**
 * How long a reclaim call's answer is kept for the same call sent again (reclaim.lua): past any reconnect ioredis
 * resends after, and past the next maintenance steps that retry a call that failed.
 */
const RECLAIM_ANSWER_MS = 10 * 60_000;

/**
 * The worker's share of keeping its queues healthy: reclaims the jobs of workers whose lease ran out (running
 * onFailure for each cut-short attempt), expires jobs past their ttl, redelivers cross-queue messages a crashed
 * process left behind, and trims the caller-chosen id index.
 */
export class Maintenance {
  /** Where the trim of the id index goes on (JobIdIndex.sweep). */
  private idCursor = '0';
  private registered = false;
  /**
   * Per queue, the id of a reclaim call that failed: the next step sends that call again, so jobs it requeued or
   * failed before its reply was lost still get their onFailure callbacks.
   */
  private readonly unanswered = new Map<string, string>();

  constructor(
    private readonly engine: Engine,
    private readonly workerId: string,
    private readonly queues: readonly string[],
    private readonly registry: HandlerRegistry,
  ) {}

  async run(): Promise<void> {
    if (!this.registered) {
      await storeQueueRetention(this.engine, this.queues);
      // the lanes and rate limits this client was given, for every process of the queues (lanes/lanes.ts)
      await this.engine.lanes.declare(this.queues);
      await reportLaneQueues(this.engine, this.queues);
      await warnUnboundedRetention(this.engine, this.queues);
      // a consumed queue is a queue in use, listed with those jobs were enqueued to (getQueues, `jobline queues`);
      // listed last, so a listed queue's worker has done the checks above
      await this.engine.redis.sadd(this.engine.keys.queues, ...this.queues);
      this.registered = true;
    }
    // every queue at once: one held up (its cluster slot migrating) must not hold up the others' reclaims
    await Promise.all(this.queues.map((queue) => this.reclaim(queue)));
    // redeliver cross-queue messages that a crashed process left behind (fresh ones are delivered by their writer)
    this.engine.outbox.drain(this.queues, 5000).catch((err: unknown) => this.engine.backgroundError('maintenance outbox', err));
    this.idCursor = await this.engine.ids.sweep(this.idCursor);
    // entries of workers that died (their refresh stopped) leave the registry of live workers
    await this.engine.workers.sweep();
  }

  /** Reclaims lapsed workers' jobs of it and runs onFailure for the attempts they cut short. */
  private async reclaim(queue: string): Promise<void> {
    // taken, not shared: a step that overlaps this one (the first runs as the timer starts) makes its own call
    const callId = this.unanswered.get(queue) ?? randomUUID();
    this.unanswered.delete(queue);
    let reply;
    try {
      reply = await this.engine.run('reclaim', queue, [RECLAIM_LIMIT, RECLAIM_ANSWER_MS], { reply: this.engine.queue(queue).reclaimed(callId) });
    } catch (err) {
      this.unanswered.set(queue, callId);
      throw err;
    }
    const [, , requeuedFlat, abandonedIds] = reply as [number, number, (string | number)[], string[]];
    const requeued: [string, number][] = [];
    for (let i = 0; i < requeuedFlat.length; i += 2) requeued.push([String(requeuedFlat[i]), Number(requeuedFlat[i + 1])]);
    const abandoned = abandonedIds.map((id): [string, null] => [String(id), null]);
    if (requeued.length) {
      this.engine.logger.warn(`queue ${queue}: requeued ${requeued.length} job(s) whose worker stopped renewing its lease`);
      await this.abandonedCallbacks(queue, requeued, false);
    }
    if (abandoned.length) {
      this.engine.logger.warn(`queue ${queue}: failed ${abandoned.length} abandoned job(s): ${abandoned.slice(0, 10).map((a) => a[0]).join(', ')}`);
      await this.abandonedCallbacks(queue, abandoned, true);
    }
  }

  /**
   * onFailure for attempts cut short by a dead worker: those failed as abandoned (`final`: the callback's own error is
   * kept beside the job's) and those requeued for another attempt (the failed attempt is still reported, as each
   * failed attempt is).
   */
  private async abandonedCallbacks(queue: string, jobs: [string, number | null][], final: boolean): Promise<void> {
    const q = this.engine.queue(queue);
    for (const [id, cutShort] of jobs) {
      const [name, meta, cb, a, e, ...parts] = await this.engine.redis.hmget(q.job(id), F.name, F.meta, F.callbacks, F.attempts, F.error, ...DATA_FIELDS);
      const data = joinData(...parts);
      // a requeued job may already be running its next attempt: report the attempt that failed
      const attempt = cutShort ?? Number(a ?? 0);
      const callbacks = decodeCallbackSet(cb);
      const stored: JobErrorInfo =
        final && e
          ? (JSON.parse(e) as JobErrorInfo)
          : { name: 'JobAbandonedError', message: `The worker running attempt ${attempt} stopped renewing its lease; the job was requeued for another attempt.` };
      if (name) {
        const job = { id, name, queue, attempt };
        this.engine.events.stalled(job, this.workerId, !final);
        // logged above with the other abandoned jobs of this step
        if (final) this.engine.events.failed(job, this.workerId, JSON.stringify(stored), false);
      }
      if (!callbacks.onFailure || !name) continue;
      const err = new JobAbandonedError(stored.message);
      const snapshot = snapshotOf(id, name, queue, data ?? '', attempt, meta ?? '', !final);
      try {
        await runCallback(this.registry, callbacks, 'onFailure', snapshot, err);
      } catch (cbErr) {
        if (final) await this.engine.run('set-error', queue, [id, JSON.stringify({ ...stored, callbackError: errorInfo(cbErr) })]);
        else this.engine.logger.error(`onFailure callback of job ${id} failed: ${(cbErr as Error).message}`);
      }
    }
  }
}
