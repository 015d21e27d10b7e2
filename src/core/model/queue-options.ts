import { toMs, type Duration } from './duration.js';
import { InvalidOptionError } from './errors.js';
import { assertKnownKeys } from './known-keys.js';
import { isPlainObject } from './plain-object.js';
import { parseKeep, type KeepOptions, type Retention } from './retention.js';

/** A queue's rate limit: at most `max` jobs started per `per`, over every worker of the queue. */
export interface RateLimit {
  max: number;
  per: Duration;
}

/** Options of one queue (QueueClientOptions.queues, QueueModuleOptions.queues). */
export interface QueueOptions {
  /** Retention caps of the queue's ended jobs; a `@Job`'s `keep` and an enqueue's `keep` override them, field by field. */
  keep?: KeepOptions;
  /**
   * The queue's lanes, highest priority first (runqy's sub-queues, ArdiQ's priority lanes): a job goes to one with
   * `priority: 'premium'` or the queue name `'<queue>.premium'`; one that names none goes to `default`, else to the
   * first lane. Stored in Redis when a process with this option starts, so every process sees them (the last one
   * started wins; `[]` removes them).
   */
  lanes?: string[];
  /**
   * Weights of the lanes (a lane left out weighs 1): workers take jobs in these proportions from the lanes that have
   * jobs (smooth weighted round robin), so no lane starves. Without weights, strictly the highest lane with jobs first.
   */
  weights?: Record<string, number>;
  /** At most `max` jobs of the queue start per `per`, over all its workers (`false`: remove a stored limit). */
  rateLimit?: RateLimit | false;
}

export const QUEUE_OPTION_NAMES = Object.keys({ keep: 1, lanes: 1, weights: 1, rateLimit: 1 } satisfies Record<keyof QueueOptions, 1>);

/** A lane name: part of a queue name (`queue.lane`) and of a Redis key, so a small alphabet without dots. */
/** A lane name: 1 to LANE_MAX_LENGTH characters of the class LANE_CHARS (lib/inbox.lua gets the same rule: inbox-format.ts). */
export const LANE_CHARS = 'A-Za-z0-9_-';
export const LANE_MAX_LENGTH = 64;
const LANE = new RegExp(`^[${LANE_CHARS}]{1,${LANE_MAX_LENGTH}}$`);
export const LANE_EXPECTED = `a lane name of 1-${LANE_MAX_LENGTH} characters from [${LANE_CHARS}]`;

/** The most lanes a queue may have (each fetch looks at every lane). */
export const MAX_LANES = 16;
const MAX_WEIGHT = 1000;
const MAX_RATE = 1e6;

/** A queue's lanes as stored in its meta (META_FIELD.lanes) and read back. */
export interface LaneSet {
  /** highest first */
  names: readonly string[];
  /** one per lane, or null: strict order */
  weights: readonly number[] | null;
}

/** What a process declares for a queue's flow; undefined fields are left as stored. */
export interface DeclaredFlow {
  /** null: remove the lanes */
  lanes?: LaneSet | null;
  /** null: remove the limit */
  rate?: { max: number; perMs: number } | null;
}

/** The options of every queue of a client, checked. */
export interface ParsedQueueOptions {
  retention: Map<string, Partial<Retention>>;
  flow: Map<string, DeclaredFlow>;
}

/** Checks the `queues` option of a client or module: queue name -> QueueOptions. */
export function parseQueueOptions(value: unknown, assertQueue: (q: string) => void): ParsedQueueOptions {
  const out: ParsedQueueOptions = { retention: new Map(), flow: new Map() };
  if (value === undefined) return out;
  if (!isPlainObject(value)) throw new InvalidOptionError('queues', value, `an object of queue name -> { ${QUEUE_OPTION_NAMES.join('?, ')}? }`);
  for (const [queue, options] of Object.entries(value)) {
    assertQueue(queue);
    const where = `queues.${queue}`;
    assertKnownKeys(options, where, QUEUE_OPTION_NAMES);
    const o = options as QueueOptions;
    out.retention.set(queue, o.keep === undefined ? {} : parseKeep(o.keep, `${where}.keep`));
    const flow: DeclaredFlow = {};
    if (o.lanes !== undefined) flow.lanes = parseLanes(o.lanes, o.weights, where);
    else if (o.weights !== undefined) throw new InvalidOptionError(`${where}.weights`, o.weights, `nothing without \`${where}.lanes\` (weights are those of the lanes)`);
    if (o.rateLimit !== undefined) flow.rate = parseRateLimit(o.rateLimit, `${where}.rateLimit`);
    if (flow.lanes !== undefined || flow.rate !== undefined) out.flow.set(queue, flow);
  }
  return out;
}

function parseLanes(lanes: unknown, weights: unknown, where: string): LaneSet | null {
  const expected = `an array of up to ${MAX_LANES} distinct lane names (each ${LANE_EXPECTED}), highest priority first; [] for none`;
  if (!Array.isArray(lanes) || lanes.length > MAX_LANES) throw new InvalidOptionError(`${where}.lanes`, lanes, expected);
  for (const l of lanes) if (typeof l !== 'string' || !LANE.test(l)) throw new InvalidOptionError(`${where}.lanes`, l, LANE_EXPECTED);
  const names = lanes as string[];
  if (new Set(names).size !== names.length) throw new InvalidOptionError(`${where}.lanes`, lanes, expected);
  if (!names.length) {
    if (weights !== undefined) throw new InvalidOptionError(`${where}.weights`, weights, 'nothing when the queue has no lanes');
    return null;
  }
  if (weights === undefined) return { names, weights: null };
  if (!isPlainObject(weights)) throw new InvalidOptionError(`${where}.weights`, weights, `an object of lane name -> weight, for lanes of ${names.join(', ')}`);
  for (const [lane, w] of Object.entries(weights)) {
    if (!names.includes(lane)) throw new InvalidOptionError(`${where}.weights`, lane, `one of the queue's lanes (${names.join(', ')})`);
    if (!Number.isInteger(w) || (w as number) < 1 || (w as number) > MAX_WEIGHT) {
      throw new InvalidOptionError(`${where}.weights.${lane}`, w, `a whole number from 1 to ${MAX_WEIGHT}`);
    }
  }
  const byLane = weights as Record<string, number>;
  return { names, weights: names.map((n) => byLane[n] ?? 1) };
}

function parseRateLimit(value: unknown, where: string): { max: number; perMs: number } | null {
  if (value === false) return null;
  if (!isPlainObject(value)) throw new InvalidOptionError(where, value, '{ max, per } (at most `max` jobs start per `per`), or false for none');
  assertKnownKeys(value, where, ['max', 'per']);
  const { max, per } = value as unknown as RateLimit;
  if (!Number.isInteger(max) || max < 1 || max > MAX_RATE) throw new InvalidOptionError(`${where}.max`, max, `a whole number of jobs from 1 to ${MAX_RATE}`);
  if (per === undefined) throw new InvalidOptionError(`${where}.per`, per, "a Duration (e.g. '1s', '1m')");
  return { max, perMs: toMs(`${where}.per`, per, { max: 86_400_000 }) };
}

/** The stored form of lanes (META_FIELD.lanes): names space-separated, then "|" and the weights when weighted. */
export function encodeLanes(lanes: LaneSet): string {
  return lanes.names.join(' ') + (lanes.weights ? `|${lanes.weights.join(' ')}` : '');
}

export function decodeLanes(stored: string | null | undefined): LaneSet | null {
  if (!stored) return null;
  const bar = stored.indexOf('|');
  const names = (bar < 0 ? stored : stored.slice(0, bar)).split(' ').filter(Boolean);
  return { names, weights: bar < 0 ? null : stored.slice(bar + 1).split(' ').map(Number) };
}

/** The lane that takes jobs that name none: `default`, else the first (lib/lane-keys.lua keeps it in `queued`). */
export function fallbackLane(lanes: LaneSet): string {
  return lanes.names.includes('default') ? 'default' : lanes.names[0]!;
}

export function encodeRate(rate: { max: number; perMs: number }): string {
  return `${rate.max} ${rate.perMs}`;
}

export function isLaneName(v: unknown): v is string {
  return typeof v === 'string' && LANE.test(v);
}
