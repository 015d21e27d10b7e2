import type { Engine } from '../engine.js';
import { InvalidOptionError, JoblineError } from '../model/errors.js';
import type { JobSpec } from '../model/job-spec.js';
import { decodeLanes, encodeLanes, encodeRate, fallbackLane, type DeclaredFlow, type LaneSet } from '../model/queue-options.js';
import type { QueueKeys } from '../redis/keys.js';
import { META_FIELD } from '../redis/stored-names.js';

/** How long a producer trusts the lanes it read of a queue before it reads them again (another process may change them). */
const LANES_FRESH_MS = 2000;

/** A queue name resolved: the queue, and the lane it names (undefined: the whole queue). */
export interface LaneTarget {
  queue: string;
  lane: string | undefined;
  /** the queue's lanes (null: it has none) */
  lanes: LaneSet | null;
}

/**
 * A client's view of queue lanes and rate limits (model/queue-options.ts): declares the ones this client was given
 * (once per queue, when first needed: a worker's start, an enqueue to a lane), reads the others' from Redis (each
 * queue's meta), and resolves lane names (`priority`, `queue.lane`) to the queue and lane the scripts take.
 * Two processes that declare different lanes for one queue: the last to start wins, with a warning naming both, and
 * the queued jobs of the lanes follow (queue-flow.lua); a process given no lanes for a queue changes nothing.
 */
export class Lanes {
  private readonly declared = new Map<string, Promise<void>>();
  private readonly read = new Map<string, { at: number; lanes: LaneSet | null }>();

  constructor(
    private readonly engine: Engine,
    private readonly flow: ReadonlyMap<string, DeclaredFlow>,
  ) {}

  private allDeclared: Promise<void> | null = null;
  private allDone = false;

  /**
   * Undefined once every queue this client was given options of is declared (always so for a client given none),
   * else the promise of that: a producer's first enqueue waits for it, so a client that only enqueues stores them too.
   */
  pending(): Promise<void> | undefined {
    if (this.allDone || this.flow.size === 0) return undefined;
    this.allDeclared ??= this.declare([...this.flow.keys()]).then(
      () => void (this.allDone = true),
      (err: unknown) => {
        this.allDeclared = null;
        throw err;
      },
    );
    return this.allDeclared;
  }

  /** Stores this client's lanes and rate limit of each of `queues` that it was given (at most once per queue). */
  declare(queues: readonly string[]): Promise<void> {
    return Promise.all(queues.map((q) => this.declareOne(q))).then(() => undefined);
  }

  private declareOne(queue: string): Promise<void> {
    const flow = this.flow.get(queue);
    if (!flow) return Promise.resolve();
    let done = this.declared.get(queue);
    if (!done) {
      done = this.store(queue, flow);
      this.declared.set(queue, done);
      // a failed declaration is tried again by the next caller
      done.catch(() => this.declared.delete(queue));
    }
    return done;
  }

  private async store(queue: string, flow: DeclaredFlow): Promise<void> {
    const lanes = flow.lanes === undefined ? null : flow.lanes === null ? '' : encodeLanes(flow.lanes);
    const rate = flow.rate === undefined ? null : flow.rate === null ? '' : encodeRate(flow.rate);
    const reply = await this.engine.run('queue-flow', queue, [lanes === null ? '0' : '1', lanes ?? '', rate === null ? '0' : '1', rate ?? '']);
    const [, oldLanes, oldRate] = reply.map(String);
    if (lanes !== null && oldLanes !== '' && oldLanes !== lanes) {
      this.engine.logger.warn(`Queue "${queue}": its lanes were "${oldLanes}" (declared by another process) and are now "${lanes || '(none)'}" as this process declares them; the last process to start wins. Give every process the same lanes.`);
    }
    if (rate !== null && oldRate !== '' && oldRate !== rate) {
      this.engine.logger.warn(`Queue "${queue}": its rate limit was "${oldRate}" (max perMs, declared by another process) and is now "${rate || '(none)'}" as this process declares it.`);
    }
    if (flow.lanes !== undefined) this.read.set(queue, { at: performance.now(), lanes: flow.lanes });
  }

  /** The lanes of `queue` as stored (null: none), read afresh. */
  async of(queue: string): Promise<LaneSet | null> {
    await this.declareOne(queue);
    const lanes = decodeLanes(await this.engine.redis.hget(this.engine.queue(queue).meta, META_FIELD.lanes));
    this.read.set(queue, { at: performance.now(), lanes });
    return lanes;
  }

  /** The lanes of `queue`, as read at most LANES_FRESH_MS ago: synchronously when so, else a promise. */
  private cached(queue: string): LaneSet | null | Promise<LaneSet | null> {
    const r = this.read.get(queue);
    if (r && performance.now() - r.at < LANES_FRESH_MS && (this.declared.has(queue) || !this.flow.has(queue))) return r.lanes;
    return this.of(queue);
  }

  /**
   * Where a queue name points: `queue.lane` when `queue` has that lane (an unknown lane of a queue with lanes is an
   * InvalidOptionError listing them), else the queue of that very name. Reads the lanes afresh (inspection).
   */
  async locate(name: string, option = 'queue'): Promise<LaneTarget> {
    const dot = name.lastIndexOf('.');
    if (dot > 0) {
      const parent = name.slice(0, dot);
      const lanes = await this.of(parent);
      if (lanes) return { queue: parent, lane: checkLane(parent, lanes, name.slice(dot + 1), option, name), lanes };
    }
    return { queue: name, lane: undefined, lanes: await this.of(name) };
  }

  /**
   * Resolves the lane of each spec (`priority`, or a queue named `queue.lane`): sets its queue and its lane ('' for
   * the fallback lane, which the scripts keep in the queue's own list). Undefined when nothing had to be read from
   * Redis (always so for jobs that name no lane in a queue without a dot), else a promise. A spec's error carries its
   * position (JoblineError.item).
   */
  resolve(specs: readonly JobSpec[], marked = false): Promise<void> | undefined {
    let waits: Promise<void>[] | undefined;
    for (let i = 0; i < specs.length; i++) {
      const s = specs[i]!;
      if (s.lane === '' && !s.queue.includes('.')) continue;
      try {
        const done = this.resolveOne(s);
        if (done) (waits ??= []).push(done.catch((err: unknown) => atItem(err, i, marked)));
      } catch (err) {
        atItem(err, i, marked);
      }
    }
    return waits && Promise.all(waits).then(() => undefined);
  }

  private resolveOne(s: JobSpec): Promise<void> | undefined {
    const dot = s.queue.lastIndexOf('.');
    if (dot > 0) {
      const parent = s.queue.slice(0, dot);
      const lanes = this.cached(parent);
      if (lanes instanceof Promise) return lanes.then((l) => this.resolveOne(s));
      if (lanes) {
        const lane = checkLane(parent, lanes, s.queue.slice(dot + 1), 'queue', s.queue);
        if (s.lane !== '' && s.lane !== lane) throw new InvalidOptionError('priority', s.lane, LANE_ERROR.namedLane(lane, s.queue));
        s.queue = parent;
        s.lane = lane === fallbackLane(lanes) ? '' : lane;
        noGroupInLane(s);
        return undefined;
      }
    }
    if (s.lane === '') return undefined;
    const lanes = this.cached(s.queue);
    if (lanes instanceof Promise) return lanes.then(() => this.resolveOne(s));
    if (!lanes) throw new InvalidOptionError('priority', s.lane, LANE_ERROR.noLanes(s.queue));
    const lane = checkLane(s.queue, lanes, s.lane, 'priority', s.lane);
    s.lane = lane === fallbackLane(lanes) ? '' : lane;
    noGroupInLane(s);
    return undefined;
  }
}

/** A grouped job waits in its group's list, not a lane's: the two are refused together (the fallback lane is no lane). */
function noGroupInLane(s: JobSpec): void {
  if (s.group && s.lane !== '') throw new InvalidOptionError('group', s.group.id, groupInLaneExpected(s.lane, s.queue));
}

/** What `group` may be on a job sent to lane `lane` of `queue` (the inbox script states the same text). */
export function groupInLaneExpected(lane: string, queue: string): string {
  return `no group on a job sent to lane "${lane}" of queue "${queue}": a job names a group or a lane, not both`;
}

/** What a job's lane may be, as its errors say (lib/inbox.lua states the same texts: inbox-format.ts gives them as formats). */
export const LANE_ERROR = {
  /** `priority` beside a queue named `<queue>.<lane>` (`queue`) that names another lane */
  namedLane: (lane: string, queue: string) => `nothing, or "${lane}": queue "${queue}" names its lane`,
  /** a lane asked of a queue that has none */
  noLanes: (queue: string) => `nothing: queue "${queue}" has no lanes (declare them with the queues option: { ${queue}: { lanes: [...] } })`,
  /** a lane the queue does not have; `names`: its lanes, joined by ', ' */
  notALane: (queue: string, names: string) => `a lane of queue "${queue}": one of ${names}`,
};

function checkLane(queue: string, lanes: LaneSet, lane: string, option: string, shown: string): string {
  if (!lanes.names.includes(lane)) throw new InvalidOptionError(option, shown, LANE_ERROR.notALane(queue, lanes.names.join(', ')));
  return lane;
}

function atItem(err: unknown, i: number, marked: boolean): never {
  if (err instanceof JoblineError && marked) err.item = i;
  throw err;
}

/** The lists of a queue's queued jobs that `target` covers: one lane's, or every lane's, highest first. */
export function laneLists(q: QueueKeys, target: LaneTarget): string[] {
  const lanes = target.lanes;
  if (!lanes) return [q.queued];
  const fallback = fallbackLane(lanes);
  const list = (lane: string) => (lane === fallback ? q.queued : q.lane(lane));
  return target.lane !== undefined ? [list(target.lane)] : lanes.names.map(list);
}

/**
 * Says, as an error, which of a worker's `queues` name a lane (`queue.lane`) rather than a queue: a worker consumes a
 * whole queue, all its lanes, so such a worker would wait on a queue of that dotted name that no job goes to.
 */
export async function reportLaneQueues(engine: Engine, queues: readonly string[]): Promise<void> {
  for (const name of queues) {
    if (!name.includes('.')) continue;
    let lane: string | undefined;
    try {
      lane = (await engine.lanes.locate(name)).lane;
    } catch (err) {
      if (!(err instanceof JoblineError)) throw err;
      lane = name.slice(name.lastIndexOf('.') + 1);
    }
    if (lane === undefined) continue;
    const queue = name.slice(0, name.lastIndexOf('.'));
    engine.logger.error(
      `A worker was given queue "${name}", which names lane "${lane}" of queue "${queue}", not a queue: no job goes to "${name}", so it would ` +
        `wait for nothing. A worker runs every lane of the queues it consumes (highest first, or by the queue's weights): give it "${queue}".`,
    );
  }
}
