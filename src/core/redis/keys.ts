/**
 * Every Redis key (and pub/sub channel) Jobline uses, each from one function here. Every key of one queue starts with
 * `<prefix>:{<queue>}:`, so a queue lives in one Redis Cluster slot and each script touches one slot. Scripts receive
 * the fixed keys of their queue in KEYS (declared in each script's header, filled from QueueKeys by name); the keys
 * named by a job or worker id are built in Lua by lib/keys.lua, the same way as here.
 */
export class QueueKeys {
  readonly base: string;
  /** hash of the queue's own settings; written by every enqueue, so it exists wherever the queue has jobs */
  readonly meta: string;
  /** list of queued job ids, head runs first */
  readonly queued: string;
  /** list holding a wake-up token for blocked workers */
  readonly wake: string;
  /** zset worker id -> lease deadline (ms) */
  readonly workers: string;
  /** zset queued or deferred id -> expires-at (ms) */
  readonly ttl: string;
  /** zset of jobs waiting on dependencies, by when they were deferred */
  readonly deferred: string;
  /** zset of delayed jobs (delay, runAt, a retry's backoff) id -> when it becomes runnable (ms) */
  readonly scheduled: string;
  /** zset of recurring schedules id -> next tick (ms; +inf once ended), lib/schedule.lua */
  readonly schedules: string;
  /** terminal registries: zsets id -> when the entry expires (ms, inf = never) */
  readonly finished: string;
  readonly failed: string;
  readonly canceled: string;
  readonly expired: string;
  readonly stopped: string;
  /** list of "slot count" entries: the jobs started per time slot that the queue's rate limit counts (lib/rate-limit.lua) */
  readonly rate: string;
  /** list of messages to other queues (outbox.ts), and the zset of those claimed for delivery */
  readonly outbox: string;
  readonly outboxClaimed: string;
  /** flag: someone waits on a result of this queue (expires unless renewed) */
  readonly waiting: string;
  /** pub/sub channel: ended jobs, for result() waiters */
  readonly events: string;
  /** pub/sub channel: requests to the queue's workers (stop) */
  readonly control: string;
  /** stream of job events (completed, failed, ...), capped; written only when `eventStream` is on */
  readonly stream: string;
  /**
   * list of jobs enqueued from outside (any Redis client RPUSHes a JSON entry: inbox-format.ts), turned into jobs by
   * ingest.lua, which the queue's workers run as soon as the list is not empty
   */
  readonly inbox: string;
  /**
   * A key that is never written, declared last by every queue script (scripts.ts), so Redis Cluster refuses every
   * script of the queue while its slot migrates instead of running one over half-moved job hashes.
   */
  readonly fence: string;

  constructor(
    prefix: string,
    readonly queue: string,
  ) {
    const base = `${prefix}:{${queue}}:`;
    this.base = base;
    this.meta = `${base}meta`;
    this.queued = `${base}queued`;
    this.wake = `${base}wake`;
    this.workers = `${base}workers`;
    this.ttl = `${base}ttl`;
    this.deferred = `${base}deferred`;
    this.scheduled = `${base}scheduled`;
    this.schedules = `${base}schedules`;
    this.finished = `${base}finished`;
    this.failed = `${base}failed`;
    this.canceled = `${base}canceled`;
    this.expired = `${base}expired`;
    this.stopped = `${base}stopped`;
    this.rate = `${base}rate`;
    this.outbox = `${base}outbox`;
    this.outboxClaimed = `${base}outbox:claimed`;
    this.waiting = `${base}waiting`;
    this.events = `${base}events`;
    this.control = `${base}control`;
    this.stream = `${base}stream`;
    this.inbox = `${base}inbox`;
    this.fence = `${base}fence`;
  }

  /** hash of one job (fields: stored-names.ts) */
  job(id: string): string {
    return `${this.base}job:${id}`;
  }

  /** set of "<id>|<attempt>" a worker runs: its proof of ownership (lib/lease.lua) */
  held(worker: string): string {
    return `${this.base}held:${worker}`;
  }

  /** string: the answer of reclaim call <callId>, kept a while so the same call sent again answers it (maintenance.ts) */
  reclaimed(callId: string): string {
    return `${this.base}reclaimed:${callId}`;
  }

  /** set of "flags|queue|id" of the jobs waiting on job <id> */
  dependents(id: string): string {
    return `${this.base}dependents:${id}`;
  }

  /** set of "queue|id" a deferred job <id> still waits on */
  deps(id: string): string {
    return `${this.base}deps:${id}`;
  }

  /**
   * string: the id of the live job that holds unique key <key> (a job enqueued with `unique`: model/unique.ts), set
   * by enqueue.lua and let go when that job ends (lib/unique.lua)
   */
  unique(key: string): string {
    return `${this.base}unique:${key}`;
  }

  /**
   * string: the id of the live job whose unique key held off inbox entry <id> (a duplicate entry stores no job), set by
   * ingest.lua for a while (INBOX_DUPLICATE_TTL_MS at most), so getJob(<id>) answers with that job
   */
  duplicate(id: string): string {
    return `${this.base}dup:${id}`;
  }

  /**
   * hash of the outcome counters of one minute (`minute` = ms since the epoch / 60000; fields: stored-names.ts
   * STATS_FIELD), expiring after STATS_TTL_MS (lib/stats.lua)
   */
  stats(minute: number): string {
    return `${this.base}stats:${minute}`;
  }

  /** list of the queued jobs of lane <name>, head runs first (the fallback lane's are in `queued`: lib/lane-keys.lua) */
  lane(name: string): string {
    return `${this.base}lane:${name}`;
  }

  /**
   * Groups (per-tenant limits: lib/group-keys.lua, which builds these names in Lua as it does a job's key): hash group
   * id -> its limits "concurrency max perMs" ('-' for none), as the last enqueue of a job of it gave them
   */
  get groups(): string {
    return `${this.base}groups`;
  }

  /**
   * set of the groups whose list holds queued jobs (in when a push makes the list non-empty, out where it empties): the
   * scans of every queued job (emptyQueue, countJobs, resume) read these groups' lists only, never every group seen
   */
  get groupQueued(): string {
    return `${this.base}gqueued`;
  }

  /** hash group id -> how many of its jobs run now (absent: none) */
  get groupRunning(): string {
    return `${this.base}grun`;
  }

  /** zset of the groups that have queued jobs and room to start one, scored by their turn in the round robin */
  get groupReady(): string {
    return `${this.base}gready`;
  }

  /** zset of the groups that their rate limit holds back, scored by when (ms) they may start a job again */
  get groupHeld(): string {
    return `${this.base}gheld`;
  }

  /** hash group id -> the jobs its rate limit counts now (the sum of its groupRate list) */
  get groupUsed(): string {
    return `${this.base}gused`;
  }

  /** list of the queued jobs of group <id>, head runs first */
  group(id: string): string {
    return `${this.base}g:${id}`;
  }

  /** list of "slot count" entries of group <id>'s rate window (as QueueKeys.rate is the queue's) */
  groupRate(id: string): string {
    return `${this.base}grate:${id}`;
  }

  /** hash of recurring schedule <id> (fields: stored-names.ts SCHEDULE_FIELD) */
  schedule(id: string): string {
    return `${this.base}schedule:${id}`;
  }
}

/**
 * Buckets of the caller-chosen id index: a cluster spreads them over its nodes (each bucket is its own slot), and the
 * index is read and swept bucket by bucket.
 */
export const ID_BUCKETS = 16;

/** The bucket of a caller-chosen id (FNV-1a of its characters; ids are ASCII). */
export function idBucket(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % ID_BUCKETS;
}

/** The keys of one prefix: each queue's (made once per queue) and those outside any queue. */
export class KeySpace {
  private readonly byQueue = new Map<string, QueueKeys>();
  /** set of the queue names in use (for getJob and listings) */
  readonly queues: string;
  /** hashes caller-chosen job id -> its queue's reservation (job-id-index.ts), one per bucket */
  readonly idBuckets: readonly string[];
  /**
   * hash worker id -> JSON of the live worker (redis/worker-registry.ts), and zset worker id -> when it lapses (ms);
   * outside any queue's slot (each is read and written with commands of its own)
   */
  readonly workers: string;
  readonly workersLapse: string;

  constructor(readonly prefix: string) {
    this.queues = `${prefix}:queues`;
    this.idBuckets = Array.from({ length: ID_BUCKETS }, (_, b) => `${prefix}:ids:{${prefix}:${b}}`);
    this.workers = `${prefix}:workers`;
    this.workersLapse = `${prefix}:workers:lapse`;
  }

  /** The index bucket that holds `id`. */
  ids(id: string): string {
    return this.idBuckets[idBucket(id)]!;
  }

  queue(name: string): QueueKeys {
    let keys = this.byQueue.get(name);
    if (!keys) this.byQueue.set(name, (keys = new QueueKeys(this.prefix, name)));
    return keys;
  }
}
