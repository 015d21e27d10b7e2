import type { Engine } from '../engine.js';
import { laneLists, type LaneTarget } from '../lanes/lanes.js';
import { groupLists } from '../limits/group.js';
import { sendAll } from '../redis/connection.js';
import type { QueueKeys } from '../redis/keys.js';

/** The lists of the queued jobs `target` covers: its lanes' (or one lane's), then, for the whole queue, those of its groups that have jobs. */
export async function queuedLists(engine: Engine, q: QueueKeys, target: LaneTarget): Promise<string[]> {
  const lists = laneLists(q, target);
  if (target.lane !== undefined) return lists;
  return [...lists, ...(await groupLists(engine.redis, q))];
}

/** How many jobs wait in the lists `target` covers (queuedLists): an LLEN each, in one round trip. */
export async function countQueued(engine: Engine, q: QueueKeys, target: LaneTarget): Promise<number> {
  const lists = await queuedLists(engine, q, target);
  const lens = await sendAll(engine.redis, lists.map((l): [string, string] => ['llen', l]));
  return lens.reduce((sum: number, n) => sum + Number(n), 0);
}
