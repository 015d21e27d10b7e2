import type { Redis } from 'ioredis';
import type { JobSpec } from '../model/job-spec.js';
import type { KeySpace } from './keys.js';
import { JOB_FIELD } from './stored-names.js';

/**
 * Which queue holds each caller-chosen job id (a hash id -> queue), so that a `jobId` names one job across all queues
 * (the contract's idempotent submit) and getJob(id) finds it in one lookup. Random UUIDs need no entry. The index
 * lives outside every queue's slot, so it is kept by plain commands around the scripts: an entry whose job is gone
 * (expired) is stale and is simply taken over. Two concurrent first submits of one id to two different queues can
 * still both succeed; submits to the same queue are exact (the enqueue script decides).
 */
export class JobIdIndex {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
  ) {
    this.key = keys.ids;
  }

  private jobKey(queue: string, id: string): string {
    return this.keys.queue(queue).job(id);
  }

  /**
   * Claims the caller-chosen ids of `specs` for their queues. Returns, by spec index, the job that already holds the
   * id in another queue (or in an earlier item of the same call): those specs must not be stored.
   */
  async claim(specs: JobSpec[]): Promise<Map<number, { queue: string; name: string | null }>> {
    const taken = new Map<number, { queue: string; name: string | null }>();
    const firstInCall = new Map<string, number>();
    const todo: number[] = [];
    specs.forEach((s, i) => {
      if (!s.chosenId) return;
      const first = firstInCall.get(s.id);
      if (first === undefined) {
        firstInCall.set(s.id, i);
        todo.push(i);
      } else if (specs[first]!.queue !== s.queue) {
        taken.set(i, { queue: specs[first]!.queue, name: specs[first]!.name });
      }
    });
    if (!todo.length) return taken;
    const pipe = this.redis.pipeline();
    for (const i of todo) pipe.hsetnx(this.key, specs[i]!.id, specs[i]!.queue).hget(this.key, specs[i]!.id);
    const res = (await pipe.exec()) ?? [];
    const check: { i: number; owner: string }[] = [];
    todo.forEach((i, k) => {
      const owner = res[k * 2 + 1]?.[1];
      if (typeof owner === 'string' && owner !== specs[i]!.queue) check.push({ i, owner });
    });
    if (!check.length) return taken;
    const names = await Promise.all(check.map(({ i, owner }) => this.redis.hget(this.jobKey(owner, specs[i]!.id), JOB_FIELD.name)));
    const takeOver = this.redis.pipeline();
    check.forEach(({ i, owner }, k) => {
      if (names[k] !== null) taken.set(i, { queue: owner, name: names[k]! });
      else takeOver.hset(this.key, specs[i]!.id, specs[i]!.queue); // the old holder is gone
    });
    await takeOver.exec();
    // items of this call that repeat a taken id follow it
    specs.forEach((s, i) => {
      const first = firstInCall.get(s.id);
      if (s.chosenId && first !== undefined && first !== i && taken.has(first)) taken.set(i, taken.get(first)!);
    });
    return taken;
  }

  /** The queue each id is indexed under (null where it is not: a random id, or never stored). */
  async lookup(ids: string[]): Promise<(string | null)[]> {
    return ids.length ? this.redis.hmget(this.key, ...ids) : [];
  }

  /**
   * One step of trimming the index: reads up to `count` entries from `cursor` and forgets those whose job is gone (it
   * expired by its TTL), so the index does not keep every caller-chosen id ever used. Returns the next cursor ('0'
   * once a pass is complete). Run by workers' maintenance.
   */
  async sweep(cursor: string, count = 1000): Promise<string> {
    const [next, flat] = await this.redis.hscan(this.key, cursor, 'COUNT', count);
    if (!flat.length) return next;
    const check = this.redis.pipeline();
    for (let i = 0; i < flat.length; i += 2) check.exists(this.jobKey(flat[i + 1]!, flat[i]!));
    const exists = (await check.exec()) ?? [];
    const stale: { id: string; queue: string }[] = [];
    for (let i = 0; i < flat.length; i += 2) if (exists[i / 2]?.[1] === 0) stale.push({ id: flat[i]!, queue: flat[i + 1]! });
    if (!stale.length) return next;
    // only entries that still name the queue whose job was found gone (a new submit may have taken one over)
    const now = await this.redis.hmget(this.key, ...stale.map((s) => s.id));
    const gone = stale.filter((s, k) => now[k] === s.queue).map((s) => s.id);
    if (gone.length) await this.redis.hdel(this.key, ...gone);
    return next;
  }

  /** Forgets `id` if `queue` holds it (after delete()). */
  async release(id: string, queue: string): Promise<void> {
    if ((await this.redis.hget(this.key, id)) === queue) await this.redis.hdel(this.key, id);
  }
}
