import type { Engine } from '../engine.js';
import { DEFAULTS } from '../model/defaults.js';
import { JoblineError } from '../model/errors.js';
import type { JobHandle } from '../model/job-handle.js';
import type { JobStatus } from '../model/types.js';
import { specData, type JobSpec } from '../model/job-spec.js';
import { decodeEnqueueReply, enqueueArgs, enqueueReplyHead, type EnqueueMode } from '../redis/enqueue-codec.js';
import { namedRedisError, type ScriptReply } from '../redis/scripts.js';
import { RedisOutOfMemoryError } from '../model/errors.js';

/** What storing a batch came to, by position: `created[i]` is false where the id existed (that job is left untouched). */
export interface Stored {
  /** the new job's handle, or the existing one's */
  handles: JobHandle[];
  created: boolean[];
  statuses: string[];
}

/**
 * Writes jobs with enqueue.lua: one call per chunk of each queue, each chunk sent as soon as it is packed so Redis
 * stores one while the next is packed. Registers new queue names on the way.
 */
export class JobStore {
  private readonly knownQueues = new Set<string>();
  /** Told of each queue that jobs were just queued in (with the first one's name): the producer's QueueWatch. */
  onQueued: ((queue: string, name: string) => void) | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly handle: (id: string, name: string, queue: string, status?: JobStatus, duplicate?: boolean) => JobHandle,
    /** waitForReplicas: each store resolves only once its jobs are on this many replicas */
    private readonly replicas?: { replicas: number; timeoutMs: number },
  ) {}

  /** Forgets that `queue` is registered (deleteQueue removed it): the next enqueue into it registers it again. */
  forgetQueue(queue: string): void {
    this.knownQueues.delete(queue);
  }

  async store(specs: JobSpec[], mode: EnqueueMode = 'queue', worker = '', leaseMs = 0, depth = 0): Promise<Stored> {
    const byQueue = groupByQueue(specs);
    const fresh = [...byQueue.keys()].filter((q) => !this.knownQueues.has(q));
    if (fresh.length) {
      // about to yield: encode now what the producer left to encode while sending (see Producer.enqueueMany)
      for (const s of specs) specData(s);
      await this.engine.ready();
      await this.engine.redis.sadd(this.engine.keys.queues, ...fresh).catch(namedRedisError);
      for (const q of fresh) this.knownQueues.add(q);
    }
    const handles: JobHandle[] = new Array(specs.length);
    const created: boolean[] = new Array(specs.length);
    const statuses: string[] = new Array(specs.length);
    const outboxes = new Set<string>();
    const relist = new Set<string>();
    /** positions whose caller-chosen id enqueue.lua found fenced (job-id-index.ts) */
    const fenced: number[] = [];
    const calls: Promise<void>[] = [];
    let stored = 0;
    for (const [queue, at] of byQueue) {
      const list = at.length === specs.length ? specs : at.map((i) => specs[i]!);
      for (let from = 0; from < list.length; from += DEFAULTS.ENQUEUE_CHUNK) {
        const to = Math.min(from + DEFAULTS.ENQUEUE_CHUNK, list.length);
        let args: (string | number)[];
        try {
          args = enqueueArgs(list, from, to, mode, worker, leaseMs);
        } catch (err) {
          // data that passed the checks and still failed to encode (a getter that throws): chunks already sent stay
          for (const c of calls) c.catch(() => undefined);
          throw err;
        }
        calls.push(
          this.engine.run('enqueue', queue, args).then((reply: ScriptReply) => {
            decodeEnqueueReply(reply, to - from, (k, job) => {
              const i = at[from + k]!;
              if (job.fenced) return void fenced.push(i);
              created[i] = !job.existed;
              statuses[i] = job.status;
              // built as each chunk is answered, while Redis stores the next
              handles[i] = job.duplicateOf
                ? this.handle(job.duplicateOf, job.name ?? list[from + k]!.name, queue, job.status as JobStatus, true)
                : this.handle(list[from + k]!.id, job.name ?? list[from + k]!.name, queue, job.status as JobStatus);
            });
            const head = enqueueReplyHead(reply);
            if (head.outbox > 0) outboxes.add(queue);
            // deleted (deleteQueue) since this producer listed it: listed again, as a first enqueue would
            if (head.newQueue && !fresh.includes(queue)) relist.add(queue);
            stored += to - from;
          }),
        );
      }
    }
    await Promise.all(calls).catch(async (err: unknown) => {
      // say how much of a call of several chunks Redis stored before it refused (each chunk is one script: all or none)
      await Promise.allSettled(calls);
      if (err instanceof RedisOutOfMemoryError && calls.length > 1) throw new RedisOutOfMemoryError(err.redisMessage, stored, specs.length);
      throw err;
    });
    if (relist.size) await this.engine.redis.sadd(this.engine.keys.queues, ...relist).catch(namedRedisError);
    if (this.replicas) await this.engine.waitForReplicas(byQueue.keys(), this.replicas.replicas, this.replicas.timeoutMs);
    if (this.engine.events.wantsEnqueued) this.reportEnqueued(specs, created);
    if (this.onQueued && mode === 'queue') for (const [queue, at] of byQueue) this.onQueued(queue, specs[at[0]!]!.name);
    // dependencies in other queues are registered only once the whole call is stored (see Dependencies.resolve)
    if (outboxes.size) await this.engine.outbox.drain(outboxes);
    for (const i of fenced) await this.storeFenced(specs[i]!, i, { handles, created, statuses }, mode, worker, leaseMs, depth);
    return { handles, created, statuses };
  }

  /** Tells enqueued listeners (metrics) how many new jobs of each queue and name this call stored. */
  private reportEnqueued(specs: JobSpec[], created: boolean[]): void {
    const counts = new Map<string, { queue: string; name: string; count: number }>();
    for (let i = 0; i < specs.length; i++) {
      if (!created[i]) continue;
      const s = specs[i]!;
      const key = `${s.queue}\n${s.name}`;
      const c = counts.get(key);
      if (c) c.count++;
      else counts.set(key, { queue: s.queue, name: s.name, count: 1 });
    }
    for (const c of counts.values()) this.engine.events.enqueued(c.queue, c.name, c.count);
  }

  /**
   * A job whose caller-chosen id was fenced in its queue while its enqueue was on the way: the index says whose the id
   * is now. Another queue's: that job is returned. This queue's (the fence is lifted): the job is stored again.
   */
  private async storeFenced(spec: JobSpec, i: number, into: Stored, mode: EnqueueMode, worker: string, leaseMs: number, depth: number): Promise<void> {
    if (depth >= 5) throw new JoblineError(`Job id ${spec.id} kept being fenced in queue ${spec.queue} by other producers of the same id; nothing was stored. Enqueue it again.`);
    const { held, commit } = await this.engine.ids.resolveFenced(spec);
    if (held) {
      into.handles[i] = this.handle(spec.id, held.name, held.queue);
      into.created[i] = false;
      into.statuses[i] = '';
      return;
    }
    const again = await this.store([spec], mode, worker, leaseMs, depth + 1);
    into.handles[i] = again.handles[0]!;
    into.created[i] = again.created[0]!;
    into.statuses[i] = again.statuses[0]!;
    await commit();
  }
}

/** Positions of each queue's specs, in order (nearly always one queue: then its list covers all of `specs`). */
export function groupByQueue<T extends { queue: string }>(items: readonly T[]): Map<string, number[]> {
  const byQueue = new Map<string, number[]>();
  for (let i = 0; i < items.length; i++) {
    const q = items[i]!.queue;
    const at = byQueue.get(q);
    if (at) at.push(i);
    else byQueue.set(q, [i]);
  }
  return byQueue;
}
