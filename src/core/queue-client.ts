import type { Redis } from 'ioredis';
import { closeConnection, openConnection, type ConnectionOption } from './connection.js';
import { DEFAULTS } from './defaults.js';
import { toMs, type Duration } from './duration.js';
import {
  ClientClosedError,
  InvalidJobStateError,
  InvalidOptionError,
  JobFailedError,
  JobNotFoundError,
  UnknownJobError,
  WaitTimeoutError,
} from './errors.js';
import { HandlerRegistry, type JobHandlerDefinition } from './handler-registry.js';
import { JobHandle, type JobOperations } from './job-handle.js';
import { assertKnownOptions, buildJobSpec, isPlainObject, specData, storedOption, type JobSpec } from './job-options.js';
import { enqueueArgs } from './enqueue-args.js';
import { newJobId } from './job-id.js';
import { DATA_FIELDS, joinData, parseJobInfo } from './job-info.js';
import { EnqueueBatcher } from './enqueue-batcher.js';
import { JobAbort } from './job-abort.js';
import { failure, runJob, type Outcome } from './job-runner.js';
import { OutboxDeliverer } from './outbox.js';
import { JobIdIndex } from './job-id-index.js';
import { checkCallbacks, parseCallbackSet } from './callbacks.js';
import { assertPrefix, assertQueueName, queueBase, queuesKey } from './keys.js';
import { decodeJson } from './payload.js';
import { validatePayload } from './payload-validation.js';
import { ResultWaiter } from './result-waiter.js';
import { runScript } from './scripts.js';
import { JOB_STATUSES, type EnqueueItem, type EnqueueOptions, type JobDefaults, type JobInfo, type JobStatus, type JsonObject } from './types.js';
import { outboxLength, outcomeLines, outcomeRecord } from './work-call.js';
import { newWorkerId } from './worker-id.js';

export interface Logger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface QueueClientOptions {
  /** Redis URL, ioredis options or instance. Default: REDIS_URL, else redis://127.0.0.1:6379. */
  connection?: ConnectionOption;
  /** Key namespace. Default 'jobline'. */
  prefix?: string;
  defaultQueue?: string;
  defaultJobOptions?: JobDefaults;
  /** false: enqueue runs the job in this process before returning (tests). Default true. */
  isAsync?: boolean;
  /** Handlers known in this process: used for @Job defaults, payload validation and sync mode. */
  registry?: HandlerRegistry;
  /**
   * Reject job names the registry does not know. Default: only once `handlersComplete()` was called (this process
   * holds every handler, e.g. it runs a consumer) or in sync mode.
   */
  strictNames?: boolean;
  logger?: Logger;
}

const consoleLogger: Logger = {
  log: (m) => console.log(`[jobline] ${m}`),
  warn: (m) => console.warn(`[jobline] ${m}`),
  error: (m) => console.error(`[jobline] ${m}`),
};

const TERMINAL_ERROR_STATUSES = new Set(['failed', 'canceled', 'expired', 'stopped']);
const EXPIRING_REGISTRIES = new Set<JobStatus>(['finished', 'failed', 'canceled', 'expired', 'stopped']);

/** The engine's producer side: enqueues jobs, reads and changes them. Usable without NestJS. */
export class QueueClient implements JobOperations {
  readonly redis: Redis;
  readonly prefix: string;
  readonly defaultQueue: string;
  readonly isAsync: boolean;
  readonly logger: Logger;
  private readonly owned: boolean;
  private readonly defaults: JobDefaults;
  private readonly registry: HandlerRegistry | undefined;
  private readonly strictNames: boolean | undefined;
  private allHandlersKnown = false;
  private readonly knownQueues = new Set<string>();
  private readonly waiter: ResultWaiter;
  private readonly batcher: EnqueueBatcher;
  readonly outbox: OutboxDeliverer;
  private readonly ids: JobIdIndex;
  /** The fail functions of the result() waits still pending (close() ends them). */
  private readonly waits = new Set<(err: unknown) => void>();
  private syncWorkerId: string | undefined;
  private closed = false;

  constructor(options: QueueClientOptions = {}) {
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', options, 'an object of queue options');
    this.prefix = options.prefix ?? DEFAULTS.PREFIX;
    assertPrefix(this.prefix);
    this.defaultQueue = options.defaultQueue ?? DEFAULTS.QUEUE;
    assertQueueName(this.defaultQueue);
    if (options.isAsync !== undefined && typeof options.isAsync !== 'boolean') {
      throw new InvalidOptionError('isAsync', options.isAsync, 'true or false');
    }
    this.isAsync = options.isAsync ?? true;
    this.defaults = options.defaultJobOptions ?? {};
    if (!isPlainObject(this.defaults)) throw new InvalidOptionError('defaultJobOptions', this.defaults, 'an object of job options');
    assertKnownOptions(this.defaults, 'defaultJobOptions');
    // validate the defaults once, now, so a bad default fails at start rather than at the first enqueue
    buildJobSpec('defaults-check', undefined, this.defaults, this.defaultQueue, () => 'x');
    this.registry = options.registry;
    this.strictNames = options.strictNames;
    this.logger = options.logger ?? consoleLogger;
    const conn = openConnection(options.connection, (err) => this.logger.error(`Redis connection error: ${err.message}`));
    this.redis = conn.redis;
    this.owned = conn.owned;
    this.outbox = new OutboxDeliverer(this.redis, (q) => this.base(q));
    this.batcher = new EnqueueBatcher(async (specs) => (await this.store(specs)).handles);
    this.ids = new JobIdIndex(this.redis, `${this.prefix}:ids`, (q, id) => `${this.base(q)}job:${id}`);
    this.waiter = new ResultWaiter(this.redis, (err) => this.logger.error(`Redis subscriber error: ${err.message}`));
  }

  base(queue: string): string {
    return queueBase(this.prefix, queue);
  }

  /**
   * Enqueues one job. Calls made in the same event-loop turn are written by one script call (EnqueueBatcher);
   * each is validated on its own first, so a bad one rejects alone. A job with dependencies or a caller-chosen id
   * (claimed in the id index first), or in sync mode, goes the enqueueMany way.
   */
  async enqueue<R = unknown>(name: string, data?: unknown, options: EnqueueOptions = {}): Promise<JobHandle<R>> {
    if (!this.isAsync || (options !== null && typeof options === 'object' && (options.dependsOn !== undefined || options.jobId !== undefined))) {
      const [handle] = await this.enqueueMany([{ name, data, options }]);
      return handle as JobHandle<R>;
    }
    this.assertOpen();
    const def = this.resolveHandler(name);
    const spec = this.prepare({ name, data, options }, def, 0, '', true);
    if (def?.payloadClass) await validatePayload(def, decodeJson(spec.data));
    return (await this.batcher.add(spec)) as JobHandle<R>;
  }

  /** Enqueues many jobs: one script call per chunk of each queue, atomic per chunk, in the order given. */
  enqueueMany(items: EnqueueItem[]): Promise<JobHandle[]> {
    return this.enqueueItems(items);
  }

  /**
   * Enqueues a job that depends on `parent` and receives its result as data (streaQ's pipelines). Not named
   * `then`: a handle with `then` would be a thenable and break `await`.
   */
  async chainJob(parent: JobHandle, name: string, options: EnqueueOptions = {}): Promise<JobHandle> {
    if (options !== null && typeof options === 'object' && options.dependsOn !== undefined) {
      throw new InvalidOptionError('dependsOn', options.dependsOn, 'nothing: chain() makes the new job depend on the handle it is called on');
    }
    const [handle] = await this.enqueueItems([{ name, options: { ...options, dependsOn: parent } }], `${parent.queue}|${parent.id}`);
    return handle!;
  }

  private async enqueueItems(items: EnqueueItem[], pipeFrom = ''): Promise<JobHandle[]> {
    if (!Array.isArray(items)) throw new InvalidOptionError('items', items, 'an array of { name, data?, options? }');
    const specs: JobSpec[] = new Array(items.length);
    const defs: (JobHandlerDefinition | undefined)[] = new Array(items.length);
    let anyChosen = false;
    let anyPayloadClass = false;
    let anyDeps = false;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const def = item !== null && typeof item === 'object' ? this.resolveHandler(item.name) : undefined;
      const spec = (specs[i] = this.prepare(item, def, i, pipeFrom, false));
      defs[i] = def;
      anyChosen ||= spec.chosenId;
      anyPayloadClass ||= !!def?.payloadClass;
      anyDeps ||= spec.deps.length > 0;
    }
    // Every item is checked (above) before anything is written, but the data is encoded chunk by chunk as it is sent
    // (store), so that Redis stores one chunk while the next is encoded. That holds only while nothing is awaited
    // before the last chunk is sent: once this call yields, the caller may change its objects, and each job must
    // keep the data it was given. So wherever something is awaited first, everything is encoded now.
    if (anyChosen || anyPayloadClass || anyDeps || !this.isAsync) for (const s of specs) specData(s);
    // validated once every item is built (a bad item throws first, leaving no validation running); only real
    // validations are awaited: most jobs have no payload class, and a promise each would be garbage
    if (anyPayloadClass && !pipeFrom) {
      const checks: Promise<void>[] = [];
      for (let i = 0; i < specs.length; i++) {
        const def = defs[i];
        if (def?.payloadClass) checks.push(validatePayload(def, decodeJson(specData(specs[i]!))));
      }
      await Promise.all(checks);
    }
    if (anyDeps) await this.resolveDependencies(specs);
    // a caller-chosen id already held in another queue returns that job, as an existing id does within a queue
    const taken = anyChosen ? await this.ids.claim(specs) : undefined;
    if (!taken?.size) return this.isAsync ? (await this.store(specs)).handles : this.runInline(specs, defs);
    const keep = specs.map((_, i) => i).filter((i) => !taken.has(i));
    const kept = keep.map((i) => specs[i]!);
    const stored = this.isAsync ? (await this.store(kept)).handles : await this.runInline(kept, keep.map((i) => defs[i]));
    const handles: JobHandle[] = new Array(specs.length);
    keep.forEach((i, k) => (handles[i] = stored[k]!));
    for (const [i, t] of taken) handles[i] = new JobHandle(this, specs[i]!.id, t.name ?? specs[i]!.name, t.queue);
    return handles;
  }

  /** Validates one item and builds its spec (throws before anything is written); `def` is its handler, if known. */
  private prepare(item: EnqueueItem | null | undefined, def: JobHandlerDefinition | undefined, i: number, pipeFrom: string, encodeNow: boolean): JobSpec {
    if (item === null || typeof item !== 'object') throw new InvalidOptionError(`items[${i}]`, item, 'an object { name, data?, options? }');
    const merged = this.mergeOptions(def, item.options);
    const spec = buildJobSpec(item.name, item.data, merged, this.defaultQueue, newJobId, encodeNow);
    spec.pipeFrom = pipeFrom;
    // an empty registry knows no callback, so every name is reported unknown
    if (spec.callbacks && this.namesMustBeKnown()) checkCallbacks(parseCallbackSet(spec.callbacks), this.registry ?? NO_HANDLERS);
    return spec;
  }

  /** Module defaults < @Job defaults < the call's options; no copy when only one level has any (the usual case). */
  private mergeOptions(def: JobHandlerDefinition | undefined, options: EnqueueOptions | undefined): EnqueueOptions {
    const own = options ?? NO_OPTIONS;
    const hasDefaults = !isEmpty(this.defaults) || (def !== undefined && !isEmpty(def.defaults));
    return hasDefaults ? { ...this.defaults, ...def?.defaults, ...own } : own;
  }

  /**
   * Gives every dependency its queue: a job of the same call is known ("in batch": it may not exist yet when its
   * dependent is written); a bare id is looked up in every queue, and one found nowhere is dropped (it counts as met).
   */
  private async resolveDependencies(specs: JobSpec[]): Promise<void> {
    if (!specs.some((s) => s.deps.length > 0)) return;
    const inBatch = new Map<string, string>();
    for (const s of specs) inBatch.set(s.id, s.queue);
    const unknown = new Set<string>();
    for (const s of specs) {
      for (const d of s.deps) {
        const q = inBatch.get(d.id);
        if (q !== undefined && (d.queue === undefined || d.queue === q)) {
          d.queue = q;
          d.inBatch = true;
        } else if (d.queue === undefined) unknown.add(d.id);
      }
    }
    if (!unknown.size) return;
    const found = await this.locate([...unknown]);
    for (const s of specs) {
      s.deps = s.deps.filter((d) => {
        if (d.queue !== undefined) return true;
        d.queue = found.get(d.id)?.queue;
        return d.queue !== undefined;
      });
    }
  }

  private namesMustBeKnown(): boolean {
    return this.strictNames ?? (this.allHandlersKnown || !this.isAsync);
  }

  private resolveHandler(name: string): JobHandlerDefinition | undefined {
    const def = this.registry?.get(name);
    if (!def && typeof name === 'string' && this.namesMustBeKnown()) {
      throw new UnknownJobError(name, this.registry?.names() ?? []);
    }
    return def;
  }

  /** Declares that the registry holds every handler, so unknown job names are rejected at enqueue. */
  handlersComplete(): void {
    this.allHandlersKnown = true;
  }

  private async registerQueues(fresh: string[]): Promise<void> {
    await this.redis.sadd(queuesKey(this.prefix), ...fresh);
    for (const q of fresh) this.knownQueues.add(q);
  }

  /** Writes the jobs; `created[i]` is false where the id already existed (that job is returned untouched). */
  private async store(
    specs: JobSpec[],
    mode: 'q' | 'c' = 'q',
    worker = '',
    leaseMs = 0,
  ): Promise<{ handles: JobHandle[]; created: boolean[]; statuses: string[] }> {
    this.assertOpen();
    // positions of each queue's specs (nearly always one queue: then its list is `specs` itself)
    const byQueue = new Map<string, number[]>();
    for (let i = 0; i < specs.length; i++) {
      const q = specs[i]!.queue;
      const at = byQueue.get(q);
      if (at) at.push(i);
      else byQueue.set(q, [i]);
    }
    const fresh = [...byQueue.keys()].filter((q) => !this.knownQueues.has(q));
    if (fresh.length) {
      // about to yield: encode now what enqueueItems left to encode while sending (see there)
      for (const s of specs) specData(s);
      await this.registerQueues(fresh);
    }
    const handles: JobHandle[] = new Array(specs.length);
    const created: boolean[] = new Array(specs.length);
    const statuses: string[] = new Array(specs.length);
    const outboxes = new Set<string>();
    const calls: Promise<void>[] = [];
    for (const [queue, at] of byQueue) {
      const list = at.length === specs.length ? specs : at.map((i) => specs[i]!);
      const base = this.base(queue);
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
        // each chunk is sent as soon as it is packed: Redis runs it while the next one is packed
        const sent = runScript(this.redis, 'enqueue', base, args);
        calls.push(
          sent.then((res) => {
            const out = res as (string | number)[];
            // ['*<status>', outbox] when every job is new with that status, else one value per job (enqueue.lua)
            const all = out.length === 2 && String(out[0]).charCodeAt(0) === 42 ? String(out[0]).slice(1) : undefined; // '*'
            for (let k = from; k < to; k++) {
              const i = at[k]!;
              // '<status>' for a new job, '=<status>|<name>' for an id that existed
              const r = all ?? String(out[k - from]);
              const existed = r.charCodeAt(0) === 61; // '='
              const bar = existed ? r.indexOf('|') : -1;
              created[i] = !existed;
              statuses[i] = existed ? r.slice(1, bar) : r;
              handles[i] = new JobHandle(this, list[k]!.id, existed ? r.slice(bar + 1) : list[k]!.name, queue);
            }
            if (Number(out[out.length - 1]) > 0) outboxes.add(queue);
          }),
        );
      }
    }
    await Promise.all(calls);
    // dependencies in other queues are registered only once the whole call is stored (see resolveDependencies)
    if (outboxes.size) await this.outbox.drain(outboxes);
    return { handles, created, statuses };
  }

  /**
   * Sync mode: store each job as started by this process, run it here, record the outcome; in the order given, except
   * that a job of the same call that another one depends on runs first (so that one is not left deferred).
   */
  private async runInline(specs: JobSpec[], defs: (JobHandlerDefinition | undefined)[]): Promise<JobHandle[]> {
    const worker = (this.syncWorkerId ??= newWorkerId('sync'));
    const handles: JobHandle[] = new Array(specs.length);
    for (const i of parentsFirst(specs)) {
      const spec = specs[i]!;
      const leaseMs = spec.timeoutMs > 0 ? spec.timeoutMs + DEFAULTS.LEASE_MS : 86_400_000;
      const stored = await this.store([spec], 'c', worker, leaseMs);
      handles[i] = stored.handles[0]!;
      if (!stored.created[0]) continue; // an existing job is returned as it is
      const base = this.base(spec.queue);
      // deferred on a dependency in another queue that the outbox (drained by store) has since found met: run it now
      if (stored.statuses[0] === 'deferred' && Number(await runScript(this.redis, 'claim', base, [spec.id, worker, leaseMs])) !== 1) continue;
      const fetched = {
        id: spec.id,
        attempt: 1,
        resultTtl: storedOption(spec.resultTtlMs, DEFAULTS.RESULT_TTL_MS),
        failureTtl: storedOption(spec.failureTtlMs, DEFAULTS.FAILURE_TTL_MS),
      };
      const outcome: Outcome = defs[i]
        ? await runJob(
            {
              ...fetched,
              name: spec.name,
              queue: spec.queue,
              // a pipe got its data from its dependency's result in Redis (enqueue.lua, or the outbox)
              data: spec.pipeFrom ? joinData(...(await this.redis.hmget(`${base}job:${spec.id}`, ...DATA_FIELDS))) : specData(spec),
              timeoutMs: spec.timeoutMs,
              meta: spec.meta,
              callbacks: spec.callbacks,
            },
            this.registry!,
            new JobAbort(),
            (_job, meta) => this.saveMeta(spec.queue, spec.id, worker, 1, meta),
          )
        : failure(new UnknownJobError(spec.name, this.registry?.names() ?? []));
      const res = (await runScript(this.redis, 'work', base, [worker, 0, 0, outcomeLines([outcomeRecord(fetched, outcome.kind, outcome.payload)])])) as number[];
      if (outboxLength(res) > 0) await this.outbox.drain([spec.queue]);
    }
    return handles;
  }

  /** Stores a running job's meta, while `worker` still holds it. */
  async saveMeta(queue: string, id: string, worker: string, attempt: number, meta: JsonObject): Promise<void> {
    await runScript(this.redis, 'set-meta', this.base(queue), [id, worker, attempt, JSON.stringify(meta)]);
  }

  /** Finds a job by id: in `queue` when given, else wherever it is (see locate). */
  async getJob(id: string, queue?: string): Promise<JobHandle | null> {
    if (typeof id !== 'string' || id === '') throw new InvalidOptionError('id', id, 'a job id string');
    if (queue !== undefined) {
      assertQueueName(queue);
      const name = await this.redis.hget(`${this.base(queue)}job:${id}`, 'n');
      return name === null ? null : new JobHandle(this, id, name, queue);
    }
    const where = (await this.locate([id])).get(id);
    return where ? new JobHandle(this, id, where.name, where.queue) : null;
  }

  /**
   * Which queue holds each id, and the job's name: a caller-chosen id through the id index (one lookup), the rest
   * (random ids, stale entries) by asking every queue this prefix has used, in one pipeline. Missing ids are left out.
   */
  private async locate(ids: string[]): Promise<Map<string, { queue: string; name: string }>> {
    const found = new Map<string, { queue: string; name: string }>();
    const indexed = await this.ids.lookup(ids);
    const ask = async (pairs: [string, string][]) => {
      if (!pairs.length) return;
      const pipe = this.redis.pipeline();
      for (const [id, q] of pairs) pipe.hget(`${this.base(q)}job:${id}`, 'n');
      const res = (await pipe.exec()) ?? [];
      pairs.forEach(([id, q], i) => {
        const [err, name] = res[i] ?? [];
        if (err) throw err;
        if (typeof name === 'string' && !found.has(id)) found.set(id, { queue: q, name });
      });
    };
    await ask(ids.flatMap((id, i): [string, string][] => (indexed[i] ? [[id, indexed[i]!]] : [])));
    const rest = ids.filter((id) => !found.has(id));
    if (rest.length) {
      const queues = await this.getQueues();
      await ask(rest.flatMap((id) => queues.map((q): [string, string] => [id, q])));
    }
    return found;
  }

  /** Every queue name this prefix has used. */
  async getQueues(): Promise<string[]> {
    return (await this.redis.smembers(queuesKey(this.prefix))).sort();
  }

  /**
   * Job ids in one status of one queue (like RQ's registries): in queue order for `queued`, by id for `started` (read
   * from the workers' held sets), by expiry for the terminal registries, by when they were deferred for `deferred`.
   */
  async getJobIds(queue: string, status: JobStatus, start = 0, end = -1): Promise<string[]> {
    assertQueueName(queue);
    if (!JOB_STATUSES.includes(status)) throw new InvalidOptionError('status', status, `one of ${JOB_STATUSES.join(', ')}`);
    const base = this.base(queue);
    if (status === 'queued') return this.redis.lrange(`${base}queued`, start, end);
    if (status === 'started') {
      // held-set members are "<id>|<attempt>" (lib.lua)
      const ids = (await this.heldSets(base, 'smembers'))
        .flat()
        .map((m) => m.slice(0, m.lastIndexOf('|')))
        .sort();
      return ids.slice(start, end < 0 ? ids.length + end + 1 : end + 1);
    }
    if (EXPIRING_REGISTRIES.has(status)) {
      const now = await this.redisTimeMs();
      const count = end < 0 ? -1 : end - start + 1;
      return this.redis.zrangebyscore(`${base}${status}`, `(${now}`, '+inf', 'LIMIT', String(start), String(count));
    }
    return this.redis.zrange(`${base}${status}`, String(start), String(end));
  }

  /** How many jobs of one queue are in each status. Entries whose job has expired are not counted. */
  async countJobs(queue: string): Promise<Record<JobStatus, number>> {
    assertQueueName(queue);
    const base = this.base(queue);
    const now = await this.redisTimeMs();
    const pipe = this.redis.pipeline();
    const held = this.heldSets(base, 'scard');
    for (const s of JOB_STATUSES) {
      if (s === 'started') continue;
      if (s === 'queued') pipe.llen(`${base}queued`);
      else if (EXPIRING_REGISTRIES.has(s)) pipe.zcount(`${base}${s}`, `(${now}`, '+inf');
      else pipe.zcard(`${base}${s}`);
    }
    const res = (await pipe.exec()) ?? [];
    const counts = {} as Record<JobStatus, number>;
    JOB_STATUSES.filter((s) => s !== 'started').forEach((s, i) => {
      const [err, n] = res[i] ?? [];
      if (err) throw err;
      counts[s] = Number(n);
    });
    counts.started = (await held).reduce((sum, n) => sum + n, 0);
    return counts;
  }

  /** Per worker of the queue (its `workers` zset), its held set read with `op`: the started jobs (lib.lua, leases). */
  private async heldSets<Op extends 'smembers' | 'scard'>(base: string, op: Op): Promise<(Op extends 'scard' ? number : string[])[]> {
    const workers = await this.redis.zrange(`${base}workers`, '0', '-1');
    if (!workers.length) return [];
    const pipe = this.redis.pipeline();
    for (const w of workers) pipe[op](`${base}held:${w}`);
    return ((await pipe.exec()) ?? []).map(([err, v]) => {
      if (err) throw err;
      return v as Op extends 'scard' ? number : string[];
    });
  }

  /** One step of trimming the caller-chosen id index of jobs that are gone; see JobIdIndex.sweep. */
  sweepIdIndex(cursor: string): Promise<string> {
    return this.ids.sweep(cursor);
  }

  private async redisTimeMs(): Promise<number> {
    const [sec, usec] = await this.redis.time();
    return Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
  }

  // ---- JobOperations (used by JobHandle) ----

  async getStatus(queue: string, id: string): Promise<JobStatus> {
    const s = await this.redis.hget(`${this.base(queue)}job:${id}`, 's');
    if (s === null) throw new JobNotFoundError(id);
    return s as JobStatus;
  }

  async getInfo(queue: string, id: string): Promise<JobInfo> {
    const raw = await this.redis.hgetall(`${this.base(queue)}job:${id}`);
    if (!raw.s) throw new JobNotFoundError(id);
    return parseJobInfo(id, queue, raw);
  }

  async waitResult(queue: string, id: string, timeout?: Duration): Promise<unknown> {
    this.assertOpen();
    const timeoutMs = timeout === undefined ? -1 : toMs('timeout', timeout, { allowForever: true });
    const base = this.base(queue);
    return new Promise((resolve, reject) => {
      let off: (() => void) | undefined;
      let timer: NodeJS.Timeout | undefined;
      let renew: NodeJS.Timeout | undefined;
      let done = false;
      const settle = (status: string, payload: string) => {
        if (done) return;
        done = true;
        off?.();
        clearInterval(renew);
        if (timer) clearTimeout(timer);
        this.waits.delete(fail);
        if (status === 'finished') {
          resolve(decodeJson(payload));
        } else if (TERMINAL_ERROR_STATUSES.has(status)) {
          const e = (decodeJson(payload) as { name?: string; message?: string; stack?: string } | undefined) ?? {};
          reject(new JobFailedError(id, e.name ?? 'Error', e.message ?? status, e.stack, status));
        } else {
          reject(new JobNotFoundError(id));
        }
      };
      const fail = (err: unknown) => {
        if (done) return;
        done = true;
        off?.();
        clearInterval(renew);
        if (timer) clearTimeout(timer);
        this.waits.delete(fail);
        reject(err);
      };
      // close() ends the waits still pending, instead of leaving them to a timer or a dead connection
      this.waits.add(fail);
      if (timeoutMs > 0) timer = setTimeout(() => fail(new WaitTimeoutError(id, timeoutMs)), timeoutMs);
      // watch.lua answers for an ended job, else keeps the queue's `waiting` flag up so that its end is published
      const check = async () => {
        const [state, payload] = (await runScript(this.redis, 'watch', base, [id, DEFAULTS.WAITING_FLAG_MS])) as [string, string];
        if (state !== 'waiting') settle(state, payload);
      };
      // a renewal that fails (Redis briefly away) is tried again on the next tick; the wait itself goes on
      renew = setInterval(
        () => void check().catch((err: Error) => this.logger.warn(`result() of job ${id}: could not renew the waiting flag: ${err.message}`)),
        DEFAULTS.WAITING_FLAG_MS / 3,
      );
      renew.unref();
      this.waiter
        .listen(
          base,
          id,
          (e) => settle(e.status, e.payload),
          () => void check().catch(fail),
        )
        .then(async (unlisten) => {
          off = unlisten;
          if (done) return unlisten();
          await check();
        })
        .catch(fail);
    });
  }

  async cancelJob(queue: string, id: string): Promise<void> {
    await this.changeState('cancel', queue, id, 'queued, deferred or scheduled');
  }

  async requeueJob(queue: string, id: string): Promise<void> {
    await this.changeState('requeue', queue, id, 'failed, canceled, stopped or expired');
  }

  async stopRunning(queue: string, id: string): Promise<void> {
    await this.changeState('stop', queue, id, 'started');
  }

  /** Stops a running job by id (in `queue`, else wherever it is): see JobHandle.stop(). */
  async stopJob(id: string, queue?: string): Promise<void> {
    const handle = await this.getJob(id, queue);
    if (!handle) throw new JobNotFoundError(id);
    await handle.stop();
  }

  private async changeState(script: 'cancel' | 'requeue' | 'stop', queue: string, id: string, allowed: string): Promise<void> {
    const [outcome, status, outbox] = (await runScript(this.redis, script, this.base(queue), [id])) as [string, string, number?];
    if (outcome === 'missing') throw new JobNotFoundError(id);
    if (outcome === 'state') throw new InvalidJobStateError(id, status, script, allowed);
    if (Number(outbox ?? 0) > 0) await this.outbox.drain([queue]);
  }

  async deleteJob(queue: string, id: string): Promise<boolean> {
    const [deleted, outbox] = (await runScript(this.redis, 'delete', this.base(queue), [id])) as [number, number];
    if (Number(outbox) > 0) await this.outbox.drain([queue]);
    if (Number(deleted) === 1) await this.ids.release(id, queue);
    return Number(deleted) === 1;
  }

  private assertOpen(): void {
    if (this.closed) throw new ClientClosedError('This QueueClient was closed; make the call on one that is open.');
  }

  /** Closes the connections this client opened. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const fail of [...this.waits]) fail(new ClientClosedError('The QueueClient was closed while result() waited; the job itself is untouched.'));
    await this.waiter.close();
    if (this.owned) await closeConnection(this.redis);
  }
}

/** The registry of a client given none: it knows no handler and no callback. */
const NO_HANDLERS = new HandlerRegistry();

/** The options of an item that gives none (shared: no object per job). */
const NO_OPTIONS: EnqueueOptions = Object.freeze({});

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

/** Indexes of `specs` in their order, each moved after the jobs of the same call it depends on (cycles keep order). */
function parentsFirst(specs: JobSpec[]): number[] {
  const at = new Map(specs.map((s, i) => [`${s.queue}|${s.id}`, i]));
  const order: number[] = [];
  const state = new Array<0 | 1 | 2>(specs.length).fill(0); // 0 new, 1 visiting, 2 placed
  const visit = (i: number): void => {
    if (state[i] !== 0) return;
    state[i] = 1;
    for (const d of specs[i]!.deps) {
      const j = d.inBatch ? at.get(`${d.queue}|${d.id}`) : undefined;
      if (j !== undefined) visit(j);
    }
    state[i] = 2;
    order.push(i);
  };
  specs.forEach((_, i) => visit(i));
  return order;
}
