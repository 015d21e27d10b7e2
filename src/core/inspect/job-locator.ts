import type { Engine } from '../engine.js';
import { sendAll } from '../redis/connection.js';
import { JOB_FIELD } from '../redis/stored-names.js';

/** Where a job is: its queue and name. */
export interface JobLocation {
  queue: string;
  name: string;
}

/** Finds jobs by id alone, in whichever queue of this prefix holds them. */
export class JobLocator {
  constructor(private readonly engine: Engine) {}

  /** Every queue name this prefix has used. */
  async queues(): Promise<string[]> {
    return (await this.engine.redis.smembers(this.engine.keys.queues)).sort();
  }

  /**
   * Which queue holds each id, and the job's name: a caller-chosen id through the id index (one lookup per bucket),
   * the rest (random ids, stale entries) by asking every queue this prefix has used. Missing ids are left out.
   */
  async locate(ids: string[]): Promise<Map<string, JobLocation>> {
    const found = new Map<string, JobLocation>();
    await this.engine.ready();
    const indexed = await this.engine.ids.lookup(ids);
    // one pipeline on one Redis; on a cluster each lookup goes to its queue's node on its own (sendAll)
    const ask = async (pairs: [string, string][]) => {
      const names = await sendAll(
        this.engine.redis,
        pairs.map(([id, q]) => ['hget', this.engine.queue(q).job(id), JOB_FIELD.name]),
      );
      pairs.forEach(([id, q], i) => {
        const name = names[i];
        if (typeof name === 'string' && !found.has(id)) found.set(id, { queue: q, name });
      });
    };
    await ask(ids.flatMap((id, i): [string, string][] => (indexed[i] ? [[id, indexed[i]!]] : [])));
    const rest = ids.filter((id) => !found.has(id));
    if (rest.length) {
      const queues = await this.queues();
      await ask(rest.flatMap((id) => queues.map((q): [string, string] => [id, q])));
    }
    return found;
  }

  /**
   * Job `id` (in `queue` when given, else wherever it is); else, for the id of an inbox entry that stored nothing
   * because a live job held its `unique` key, that live job, marked `duplicate`; else null.
   */
  async find(id: string, queue?: string): Promise<(JobLocation & { id: string; duplicate: boolean }) | null> {
    const where = queue === undefined ? (await this.locate([id])).get(id) : await this.nameIn(queue, id).then((name) => name && { name, queue });
    if (where) return { id, ...where, duplicate: false };
    const live = await this.duplicateOf(id, queue);
    return live && { ...live, duplicate: true };
  }

  /**
   * The live job a duplicate inbox entry `id` was held off by (its unique key's holder, which ingest.lua points the
   * entry's id to a while: QueueKeys.duplicate), in `queue` or any queue; null when `id` points to none.
   */
  private async duplicateOf(id: string, queue?: string): Promise<(JobLocation & { id: string }) | null> {
    const queues = queue === undefined ? await this.queues() : [queue];
    const holders = await sendAll(
      this.engine.redis,
      queues.map((q) => ['get', this.engine.queue(q).duplicate(id)]),
    );
    for (const [i, holder] of holders.entries()) {
      if (typeof holder !== 'string') continue;
      const name = await this.nameIn(queues[i]!, holder);
      if (name !== null) return { queue: queues[i]!, id: holder, name };
    }
    return null;
  }

  /** The name of job `id` of `queue`, or null when it does not exist there. */
  nameIn(queue: string, id: string): Promise<string | null> {
    return this.engine.redis.hget(this.engine.queue(queue).job(id), JOB_FIELD.name);
  }
}
