import { DEFAULTS } from '../model/defaults.js';
import { JoblineError } from '../model/errors.js';
import type { JobSpec } from '../model/job-spec.js';
import { redisTimeMs, type RedisClient } from './connection.js';
import { ID_BUCKETS, idBucket, type KeySpace } from './keys.js';
import { runIndexScript, runScript } from './scripts.js';

/** The job that holds a caller-chosen id in another queue. */
export interface HeldId {
  queue: string;
  name: string;
}

/** What a claim of caller-chosen ids came to. */
export interface IdClaim {
  /** By spec index: the job that holds the id in another queue (or in an earlier item of the call): not to be stored. */
  taken: Map<number, HeldId>;
  /** Marks the reservations made for the stored specs as committed; called once they are stored. */
  commit(): Promise<void>;
}

const NO_CLAIM: IdClaim = { taken: new Map(), commit: () => Promise.resolve() };

/** How long a claim waits, at most, for another producer's reservation of an id to be committed or to go stale. */
const CLAIM_DEADLINE_MS = DEFAULTS.ID_RESERVATION_STALE_MS * 3;

/** A pending entry this old (by a Redis clock) is forgotten by the sweep when its job is gone: its producer died. */
const SWEEP_PENDING_AFTER_MS = DEFAULTS.ID_RESERVATION_STALE_MS * 6;

/**
 * Which queue holds each caller-chosen job id, so that a `jobId` names one job across all queues (the contract's
 * idempotent submit) and getJob(id) finds it in one lookup. Random UUIDs need no entry.
 *
 * The index is ID_BUCKETS hashes (each its own cluster slot), id -> entry: "<queue>|<ms>" while a producer stores
 * the job (a reservation), "<queue>" once it is stored (committed). A queue's jobs live in the queue's slot, so no
 * script can check both; uniqueness comes from a two-phase protocol instead:
 * 1. reserve the id in its bucket (id-reserve.lua): a new id, or one reserved or committed for the same queue, is
 *    the producer's to store (the queue's enqueue.lua decides exactly within the queue);
 * 2. store the job (enqueue.lua), then commit the reservation (id-commit.lua).
 * Another queue's entry: a reservation younger than ID_RESERVATION_STALE_MS is waited on (its producer is storing).
 * A committed entry, or an old reservation, whose job is gone (expired, deleted, or its producer died before storing)
 * is taken over, but only after a fence (id-fence.lua) was set in place of the job in the old queue, atomically with
 * the check that no job holds it there: an enqueue of the id still on its way to that queue then stores nothing and
 * its producer asks the index again (resolveFenced), instead of making a second job. So whatever the timing, at most
 * one queue holds a caller-chosen id, and a producer that dies halfway leaves a reservation the next claim repairs.
 */
export class JobIdIndex {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
  ) {}

  /**
   * Claims the caller-chosen ids of `specs` for their queues. `taken` lists the specs whose id another queue holds
   * (or an earlier item of the same call, for another queue): those must not be stored.
   */
  async claim(specs: JobSpec[]): Promise<IdClaim> {
    const taken = new Map<number, HeldId>();
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
    if (!todo.length) return taken.size ? { ...NO_CLAIM, taken } : NO_CLAIM;
    const commits: [id: string, queue: string][] = [];
    await this.settle(
      todo.map((i) => ({ i, id: specs[i]!.id, queue: specs[i]!.queue })),
      taken,
      commits,
    );
    // items of this call that repeat a taken id follow it
    specs.forEach((s, i) => {
      const first = firstInCall.get(s.id);
      if (s.chosenId && first !== undefined && first !== i && taken.has(first)) taken.set(i, taken.get(first)!);
    });
    return { taken, commit: () => this.commit(commits) };
  }

  /**
   * enqueue.lua found `spec`'s id fenced in its queue (the id was taken over by another queue, or its entry forgotten,
   * while this enqueue was on its way). Asks the index again: if the id is this queue's now, lifts the fence (the
   * caller stores the job again, then commits); else returns the job that holds it.
   */
  async resolveFenced(spec: JobSpec): Promise<{ held: HeldId | undefined; commit: () => Promise<void> }> {
    const taken = new Map<number, HeldId>();
    const commits: [string, string][] = [];
    await this.settle([{ i: 0, id: spec.id, queue: spec.queue }], taken, commits);
    const held = taken.get(0);
    if (!held) await runScript(this.redis, 'id-unfence', this.keys.queue(spec.queue), [spec.id]);
    return { held, commit: () => this.commit(commits) };
  }

  /** Reserves each id for its queue, waiting on other producers' fresh reservations and taking over stale entries. */
  private async settle(items: { i: number; id: string; queue: string }[], taken: Map<number, HeldId>, commits: [string, string][]): Promise<void> {
    const deadline = Date.now() + CLAIM_DEADLINE_MS;
    let todo = items;
    for (let round = 0; todo.length; round++) {
      if (round > 0) {
        if (Date.now() > deadline) {
          throw new JoblineError(
            `Could not reserve job id(s) ${todo.slice(0, 5).map((t) => t.id).join(', ')}: another producer kept reserving them for other queues ` +
              `for ${CLAIM_DEADLINE_MS} ms. Nothing was stored for them; enqueue them again.`,
          );
        }
        await sleep(Math.min(200, 5 * 2 ** Math.min(round, 6)));
      }
      const replies = await this.perBucket(
        todo,
        (t) => [t.id, t.queue],
        (key, args) => runIndexScript(this.redis, 'id-reserve', key, args),
      );
      const again: typeof todo = [];
      const held = new Map<string, { t: (typeof todo)[number]; entry: string }[]>();
      todo.forEach((t, k) => {
        const r = replies[k]!;
        if (r === 'ok') commits.push([t.id, t.queue]);
        else if (r.startsWith('busy|')) again.push(t);
        else if (r.startsWith('held|')) {
          const entry = r.slice(5);
          const owner = entry.split('|')[0]!;
          const list = held.get(owner);
          if (list) list.push({ t, entry });
          else held.set(owner, [{ t, entry }]);
        }
        // 'mine': committed to this queue already
      });
      // another queue's entry: its job holds the id there, or is gone and the id is fenced there before a takeover
      const takeOver: { t: (typeof todo)[number]; entry: string }[] = [];
      const onBehalf: [string, string][] = [];
      await Promise.all(
        [...held].map(async ([owner, list]) => {
          const [, answers] = (await runScript(this.redis, 'id-fence', this.keys.queue(owner), list.map((h) => h.t.id))) as [number, string[]];
          list.forEach((h, k) => {
            const a = String(answers[k]);
            if (a === 'fenced') return void takeOver.push(h);
            taken.set(h.t.i, { queue: owner, name: a.slice(a.indexOf('|') + 1) });
            // a reservation whose job was stored but never committed (its producer died in between): repaired here
            if (h.entry.includes('|')) onBehalf.push([h.t.id, owner]);
          });
        }),
      );
      if (onBehalf.length) await this.commit(onBehalf);
      if (takeOver.length) {
        const answers = await this.perBucket(
          takeOver,
          (h) => [h.t.id, h.entry, h.t.queue],
          (key, args) => runIndexScript(this.redis, 'id-takeover', key, args),
        );
        takeOver.forEach((h, k) => {
          if (answers[k] === 'ok') commits.push([h.t.id, h.t.queue]);
          else again.push(h.t);
        });
      }
      todo = again;
    }
  }

  private async commit(pairs: [string, string][]): Promise<void> {
    if (!pairs.length) return;
    await this.perBucket(
      pairs,
      (p) => p,
      async (key, args) => {
        await runIndexScript(this.redis, 'id-commit', key, args);
        return [];
      },
    );
  }

  /**
   * Runs `script` once per bucket for the items whose id falls in it (each item gives its ARGV values) and returns the
   * items' answers in the items' order.
   */
  private async perBucket<T extends { t?: { id: string }; id?: string } | [string, string]>(
    items: T[],
    argsOf: (item: T) => string[],
    script: (key: string, args: string[]) => Promise<unknown[]>,
  ): Promise<string[]> {
    const byBucket = new Map<number, number[]>();
    items.forEach((item, k) => {
      const b = idBucket(idOf(item));
      const at = byBucket.get(b);
      if (at) at.push(k);
      else byBucket.set(b, [k]);
    });
    const out: string[] = new Array(items.length);
    await Promise.all(
      [...byBucket].map(async ([b, at]) => {
        const reply = await script(this.keys.idBuckets[b]!, at.flatMap((k) => argsOf(items[k]!)));
        const answers = (reply[1] ?? []) as unknown[];
        at.forEach((k, n) => (out[k] = String(answers[n])));
      }),
    );
    return out;
  }

  /** The queue each id is indexed under (null where it is not: a random id, or never stored). */
  async lookup(ids: string[]): Promise<(string | null)[]> {
    if (!ids.length) return [];
    const byBucket = new Map<number, number[]>();
    ids.forEach((id, k) => {
      const b = idBucket(id);
      const at = byBucket.get(b);
      if (at) at.push(k);
      else byBucket.set(b, [k]);
    });
    const out: (string | null)[] = new Array(ids.length).fill(null);
    await Promise.all(
      [...byBucket].map(async ([b, at]) => {
        const entries = await this.redis.hmget(this.keys.idBuckets[b]!, ...at.map((k) => ids[k]!));
        at.forEach((k, n) => {
          const e = entries[n];
          if (e) out[k] = e.split('|')[0]!;
        });
      }),
    );
    return out;
  }

  /**
   * One step of trimming the index: reads about `count` entries from `cursor` ("<bucket>:<HSCAN cursor>", bucket by
   * bucket: each is one cluster slot) and forgets those whose job is gone (it expired by its TTL), each fenced in its
   * queue first (an enqueue of the id on its way there then cannot make a second job), so the index does not keep
   * every caller-chosen id ever used. Returns the next cursor ('0' once a pass over every bucket is complete). Run by
   * workers' maintenance.
   */
  async sweep(cursor: string, count = 1000): Promise<string> {
    let [b, c] = cursor === '0' ? [0, '0'] : [Number(cursor.split(':')[0]), cursor.split(':')[1] ?? '0'];
    let seen = 0;
    while (seen < count) {
      const bucket = this.keys.idBuckets[b]!;
      const [next, flat] = await this.redis.hscan(bucket, c, 'COUNT', count);
      seen += flat.length / 2 + 1;
      if (flat.length) await this.forgetGone(await this.expiredIn(bucket, flat));
      if (next !== '0') c = next;
      else if (++b < ID_BUCKETS) c = '0';
      else return '0';
    }
    return `${b}:${c}`;
  }

  /** The entries of an HSCAN page (id, entry, ...) whose job may be gone, by queue: not reservations being stored. */
  private async expiredIn(bucket: string, flat: string[]): Promise<{ queue: string; entries: { id: string; entry: string }[] }[]> {
    const now = flat.some((v, i) => i % 2 === 1 && v.includes('|')) ? await redisTimeMs(this.redis, bucket) : 0;
    const byQueue = new Map<string, { id: string; entry: string }[]>();
    for (let i = 0; i < flat.length; i += 2) {
      const id = flat[i]!;
      const entry = flat[i + 1]!;
      const [queue, since] = entry.split('|');
      // a reservation not yet this old may have a producer storing its job right now
      if (since !== undefined && now - Number(since) < SWEEP_PENDING_AFTER_MS) continue;
      const list = byQueue.get(queue!);
      if (list) list.push({ id, entry });
      else byQueue.set(queue!, [{ id, entry }]);
    }
    return [...byQueue].map(([queue, entries]) => ({ queue, entries }));
  }

  /**
   * Forgets every entry that names `queue` (deleteQueue, once its keys are gone), each only if it is still as read:
   * no fence is set, as the queue is gone. Returns how many were forgotten.
   */
  async forgetQueue(queue: string): Promise<number> {
    let n = 0;
    for (const bucket of this.keys.idBuckets) {
      let cursor = '0';
      do {
        const [next, flat] = await this.redis.hscan(bucket, cursor, 'COUNT', 1000);
        cursor = next;
        const args: string[] = [];
        for (let i = 0; i < flat.length; i += 2) if (flat[i + 1]!.split('|')[0] === queue) args.push(flat[i]!, flat[i + 1]!);
        if (args.length) n += Number(((await runIndexScript(this.redis, 'id-forget', bucket, args)) as [number, number])[1]);
      } while (cursor !== '0');
    }
    return n;
  }

  /** Forgets `id` if `queue` holds it in the index (after delete()), fencing it there first. */
  async release(id: string, queue: string): Promise<void> {
    const entry = await this.redis.hget(this.keys.ids(id), id);
    if (entry === null || entry.split('|')[0] !== queue) return;
    await this.forgetGone([{ queue, entries: [{ id, entry }] }]);
  }

  /** Fences each id in its queue where no job holds it, then forgets those entries (if they are still as seen). */
  private async forgetGone(groups: { queue: string; entries: { id: string; entry: string }[] }[]): Promise<void> {
    const gone: { id: string; entry: string }[] = [];
    await Promise.all(
      groups.map(async ({ queue, entries }) => {
        const [, answers] = (await runScript(this.redis, 'id-fence', this.keys.queue(queue), entries.map((e) => e.id))) as [number, string[]];
        entries.forEach((e, k) => {
          if (answers[k] === 'fenced') gone.push(e);
        });
      }),
    );
    if (gone.length) await this.perBucket(gone.map((g): [string, string] => [g.id, g.entry]), (p) => p, (key, args) => runIndexScript(this.redis, 'id-forget', key, args));
  }
}

function idOf(item: { t?: { id: string }; id?: string } | [string, string]): string {
  if (Array.isArray(item)) return item[0];
  return item.t?.id ?? item.id!;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
