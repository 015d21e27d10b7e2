/**
 * The short names of what Jobline stores and sends to its scripts, defined once: scripts.ts generates the same
 * constants for the Lua scripts (`F_STATUS`, `DEP_ALLOW_FAILURE`, ...) from these objects, so both sides always agree
 * and a new option adds a name, not a position.
 */

/**
 * Fields of a job's hash (`job:<id>`). A new job gets only the fields it has: every field of a small hash costs Redis
 * a search and a reallocation when it is written. Absent timeout / ttls / maxAttempts mean the defaults.
 */
export const JOB_FIELD = {
  status: 's',
  name: 'n',
  enqueuedAt: 'c',
  /** data, cut in up to four fields of at most 64 bytes (DATA_FIELDS) so the hash stays a listpack */
  data: 'd',
  data2: 'd2',
  data3: 'd3',
  data4: 'd4',
  attempts: 'a',
  worker: 'w',
  startedAt: 'st',
  endedAt: 'et',
  maxAttempts: 'ma',
  timeout: 'to',
  resultTtl: 'rt',
  failureTtl: 'ft',
  /** when a waiting job expires (its ttl), ms */
  expiresAt: 'x',
  /** '1': queue it at the front when it is released from deferred */
  atFront: 'f',
  description: 'desc',
  meta: 'm',
  result: 'r',
  error: 'e',
  /** JSON array of "queue|id" of the jobs it depends on */
  dependencies: 'D',
  /** "queue|id": its data is that dependency's result */
  pipeFrom: 'pf',
  /** JSON CallbackSet (model/callback-set.ts) */
  callbacks: 'cb',
  /** '1' when a worker must read more than the six fields of a common job (see WORKER_OPTION_FIELDS) */
  hasOptions: 'o',
  /**
   * W3C traceparent of the span that enqueued the job (only when one was active: plain jobs do not have it); read by
   * a worker that traces, which fetches it with the job (work.lua's instrumented fetch) and not as an option
   */
  traceparent: 'tp',
  /** ms: when a delayed job (delay, runAt, or a retry's backoff) becomes runnable; kept after it ran */
  scheduledFor: 'sf',
  /** the retry policy (scheduler/retry-policy.ts), JSON */
  retry: 'rp',
  /** how many times the job was retried after a failed run (absent: 0) */
  retries: 'rc',
  /**
   * Only field of a fence: a hash in a job's place, without status or name, that says a caller-chosen id belongs to
   * another queue now, so a late enqueue of it here must not create it (job-id-index.ts).
   */
  fenced: 'fence',
  /**
   * the job's own count caps ("finished,failed", '' for none: model/retention.ts), only when its @Job or enqueue call
   * gave `keep`; its own age caps are folded into its ttls at enqueue
   */
  keep: 'k',
  /**
   * the job's unique key (the part after `unique:` of QueueKeys.unique), only for a job enqueued with `unique`: the
   * scripts that end it let that key go when it still names this job (lib/unique.lua)
   */
  unique: 'uq',
  /** the progress a running job reported (ctx.progress), JSON */
  progress: 'pg',
  /**
   * the lane the job named (`priority` or `queue.lane`), only when it named one: it goes back to that lane's list
   * when it is retried, delayed, released or requeued (lib/lane-keys.lua)
   */
  lane: 'ln',
  /**
   * the group (tenant) id the job was enqueued with (`group.id`), only for a grouped job: it waits in its group's list
   * and counts against the group's limits (lib/group-keys.lua)
   */
  group: 'g',
  /** '1' while the job counts in its group's running count (set at its start, taken off once when it stops running) */
  groupRunning: 'gr',
} as const;

/** Fields of a queue's meta hash besides `created`. */
export const META_FIELD = {
  /**
   * ms: no job of the `scheduled` zset and no schedule of the `schedules` zset is due before this (it may be earlier
   * than the true first one, never later; absent: both are empty). work.lua reads it once per fetch (lib/schedule.lua).
   */
  nextDue: 'due',
  /** '1' while the queue is paused: its workers fetch nothing (work.lua), enqueue goes on */
  paused: 'paused',
  /**
   * the queue's retention caps "finishedCount,finishedAge,failedCount,failedAge" ('' for none), written by its workers
   * at start from their client's options: the scripts that end jobs outside a worker's round trip (cancel, stop,
   * expiry, reclaim) apply them (lib/retention.lua); a worker sends its caps with each outcome instead
   */
  keep: 'keep',
  /**
   * the queue's lanes, highest first, space-separated, then "|" and their weights when it has them (lanes/lane-config.ts);
   * absent: no lanes. Written when a process that declares them starts (the last one wins), read by every fetch
   */
  lanes: 'lanes',
  /** the smooth weighted round robin's current weights, one per lane ("c1 c2 ..."; lib/lanes.lua) */
  laneTurns: 'lturn',
  /** the queue's rate limit "max perMs" (lib/rate-limit.lua); absent: none */
  rate: 'rate',
  /** the jobs the rate limit counts now (the sum of its `rate` list: lib/rate-limit.lua) */
  rateUsed: 'rused',
  /** ms: the rate limit lets no job out before this, so no worker is woken for new work until then */
  hold: 'hold',
  /** '1' once a grouped job was enqueued: only then does a fetch look at the groups (lib/groups.lua) */
  groups: 'groups',
  /** the groups' round robin counter: each turn given out takes the next number (lib/group-keys.lua) */
  groupTurn: 'gturn',
  /** the turn of the jobs that name no group, which take turns with the groups as one more group (lib/groups.lua) */
  groupPlain: 'gplain',
} as const;

/** Fields of a recurring schedule's hash (`schedule:<id>`, scheduler/schedules.ts). */
export const SCHEDULE_FIELD = {
  /** the job name each tick enqueues */
  name: 'n',
  /** the rule as JSON (scheduler/schedule-rule.ts) */
  rule: 'r',
  /** the data of each tick's job, JSON ('' for none) */
  data: 'd',
  /** the options of each tick's job, as enqueue.lua takes them (enqueue-codec.ts specOptions) */
  options: 'o',
  /** ms: the tick `every` counts from */
  anchor: 'an',
  /** version of the rule: a worker that computed a next tick from an older rule may not store it */
  version: 'v',
  /** ms: the next tick (absent once the schedule has ended: endAt or limit reached) */
  next: 'nx',
  /** ms: the tick that last enqueued a job, and that job's id */
  last: 'la',
  lastJob: 'lj',
  /** ticks fired under the current rule */
  runs: 'c',
  /** ms: when it was first registered */
  created: 'ca',
} as const;

/**
 * Fields of a queue's per-minute counters (`stats:<minute>`, QueueKeys.stats): how many runs and jobs ended in that
 * minute, by how they ended, read by the dashboard's chart. Each script that ends jobs counts them during its call and
 * writes them once at its end (lib/stats.lua: one HINCRBY per kind per call, never per job).
 */
export const STATS_FIELD = {
  finished: 'f',
  /** failed for good: the handler's last failure, an abandoned run (its worker died, no attempts left), a refused inbox entry */
  failed: 'x',
  /** runs that failed and run again: a retry, or a run cut short by a dead worker and requeued */
  retried: 'r',
  /** canceled before running: by request, or because a dependency did not finish (onDependencyFailure: 'cancel') */
  canceled: 'c',
  /** stopped on request while running */
  stopped: 's',
  /** waited past their ttl: at fetch, or by a worker's maintenance */
  expired: 'e',
  /** deleted (or emptied) before they ended; deleting an ended job counts nothing more */
  deleted: 'd',
} as const;

/** The kinds of end the per-minute counters keep, in the chart's order. */
export type EndKind = keyof typeof STATS_FIELD;
export const END_KINDS = Object.keys(STATS_FIELD) as EndKind[];

/** How long a minute's counters are kept, in ms: the dashboard charts the last hour. */
export const STATS_TTL_MS = 3_900_000;

/** The hash fields that hold a job's data, in order (the Lua side cuts and joins them). */
export const DATA_FIELDS = [JOB_FIELD.data, JOB_FIELD.data2, JOB_FIELD.data3, JOB_FIELD.data4] as const;

/**
 * The fields a worker is sent besides status, attempts, name and data. A job with any of them, a ttl (the fetch
 * checks expiresAt) or data beyond two fields gets `hasOptions`, and is read whole when fetched.
 */
export const WORKER_OPTION_FIELDS = [
  JOB_FIELD.timeout,
  JOB_FIELD.meta,
  JOB_FIELD.callbacks,
  JOB_FIELD.resultTtl,
  JOB_FIELD.failureTtl,
  JOB_FIELD.retry,
  JOB_FIELD.retries,
  JOB_FIELD.keep,
  JOB_FIELD.unique,
  JOB_FIELD.group,
] as const;

/** Enqueue options stored as they are sent, under their hash field's name. */
export const STORED_OPTION_FIELDS = [
  JOB_FIELD.atFront,
  JOB_FIELD.timeout,
  JOB_FIELD.resultTtl,
  JOB_FIELD.failureTtl,
  JOB_FIELD.maxAttempts,
  JOB_FIELD.description,
  JOB_FIELD.meta,
  JOB_FIELD.callbacks,
  JOB_FIELD.pipeFrom,
  JOB_FIELD.traceparent,
  JOB_FIELD.retry,
  JOB_FIELD.keep,
  JOB_FIELD.unique,
  JOB_FIELD.lane,
  JOB_FIELD.group,
] as const;

/** Enqueue options the script turns into something else (not stored under these names). */
export const ENQUEUE_OPTION = {
  /** ms; becomes expiresAt */
  ttl: 'ttl',
  /** "queue|id|b" joined by ','; b '1' when that job is created by the same call */
  dependsOn: 'deps',
  /** DEP_FLAG letters */
  dependencyFlags: 'df',
  /** ms from enqueue (Redis time) before the job may run */
  delay: 'dl',
  /** epoch ms before which the job may not run */
  runAt: 'at',
  /** ms: how long the job's unique key may hold at most (`unique.ttl`) */
  uniqueTtl: 'uqt',
  /** a grouped job's group limits "concurrency max perMs" ('-' for each one not given): the group's, last enqueue wins */
  groupLimits: 'gl',
} as const;

/** Letters of a dependents entry's flags ("flags|queue|id"). */
export const DEP_FLAG = {
  allowFailure: 'a',
  cancelOnFailure: 'c',
} as const;

/** The kinds of a worker's outcome records (work-codec.ts, work.lua): one letter each, since a worker sends one per job. */
export const OUTCOME = {
  finished: 'f',
  failed: 'x',
  /** back to the front of its queue, this run not counted (shutdown) */
  released: 'r',
  /** failed, and runs again after the delay (ms) its record carries in the ttl place (lib/retry.lua) */
  retry: 'y',
} as const;

/** Markers of enqueue.lua's reply (redis/enqueue-codec.ts). */
export const ENQUEUE_REPLY = {
  /** first value when every job of the call is new with one same status: '*' .. status */
  allNew: '*',
  /** '=' .. status .. '|' .. name: the id existed; that job is left untouched */
  existed: '=',
  /** the caller-chosen id is fenced in this queue (job-id-index.ts): nothing was stored for it */
  fenced: '!',
  /**
   * '~' .. status .. '|' .. id .. '|' .. name: a live job holds the unique key of this one (lib/unique.lua), which was
   * not stored; the reply names that job
   */
  duplicate: '~',
} as const;

/** A numeric option as stored and sent to workers: '' for its default, to keep small jobs small. */
export function storedNumber(value: number, fallback: number): string {
  return value === fallback ? '' : String(value);
}

/**
 * The constants above for the Lua scripts, which name them (`F_STATUS`, `OPT_TTL`, `DEP_ALLOW_FAILURE`, `REPLY_ALL_NEW`,
 * `OUTCOME_FAILED`, `M_NEXT_DUE`, `S_RULE`, `DATA_FIELDS`, ...) and get their values written in as literals by scripts.ts: a constant held in
 * a Lua local would be captured by every helper that uses it, and a list would be a table built on every call.
 */
export function luaConstants(): Record<string, string> {
  const out: Record<string, string> = {};
  const consts = (prefix: string, obj: Record<string, string>) => {
    for (const [k, v] of Object.entries(obj)) out[`${prefix}_${snake(k)}`] = lua(v);
  };
  const list = (name: string, values: readonly string[]) => (out[name] = `({ ${values.map(lua).join(', ')} })`);
  consts('F', JOB_FIELD);
  consts('OPT', ENQUEUE_OPTION);
  consts('DEP', DEP_FLAG);
  consts('REPLY', ENQUEUE_REPLY);
  consts('OUTCOME', OUTCOME);
  consts('M', META_FIELD);
  consts('S', SCHEDULE_FIELD);
  consts('STAT', STATS_FIELD);
  out.STATS_TTL_MS = String(STATS_TTL_MS);
  list('DATA_FIELDS', DATA_FIELDS);
  list('WORKER_OPTION_FIELDS', WORKER_OPTION_FIELDS);
  list('STORED_OPTION_FIELDS', STORED_OPTION_FIELDS);
  return out;
}

function snake(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

function lua(s: string): string {
  return `'${s}'`;
}
