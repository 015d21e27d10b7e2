import type { Engine } from '../engine.js';
import type { JobLocator } from '../inspect/job-locator.js';
import { checkCallbacks, NO_CALLBACKS } from '../model/callback-set.js';
import { ClusterConnectionError, InvalidOptionError, JoblineError, UnknownJobError } from '../model/errors.js';
import { HandlerRegistry, type JobHandlerDefinition } from '../model/handler-registry.js';
import { JobHandle } from '../model/job-handle.js';
import { newJobId } from '../model/job-id.js';
import { assertKnownOptions } from '../model/enqueue-options.js';
import { applyOwnRetention, buildJobSpec, OPTIONS_EXPECTED, specData, type JobSpec } from '../model/job-spec.js';
import { decodeJson } from '../model/payload.js';
import { isPlainObject } from '../model/plain-object.js';
import { validatePayload } from '../model/payload-validation.js';
import type { EnqueueItem, EnqueueOptions, JobDefaults } from '../model/types.js';
import { resolveDependencies } from './dependencies.js';
import { EnqueueBatcher } from './enqueue-batcher.js';
import { QueueWatch } from './queue-watch.js';
import type { JobStore } from './job-store.js';
import type { SyncRunner } from './sync-runner.js';
import type { ProducerSpan } from '../tracing/job-tracing.js';

export interface ProducerConfig {
  defaultQueue: string;
  /** after how long to check that a queue jobs went to has a live worker (QueueWatch); 0: never */
  noWorkerWarningMs: number;
  defaults: JobDefaults;
  isAsync: boolean;
  registry: HandlerRegistry | undefined;
  /** undefined: strict once handlersComplete() was called, or in sync mode */
  strictNames: boolean | undefined;
}

/**
 * Validates and writes new jobs. Every item is checked before anything is written; single enqueue() calls of one
 * event-loop turn share one script call (EnqueueBatcher); sync mode hands the jobs to the SyncRunner instead.
 */
export class Producer {
  private allHandlersKnown = false;
  private readonly batcher: EnqueueBatcher;
  private readonly watch: QueueWatch | null;

  constructor(
    private readonly engine: Engine,
    private readonly config: ProducerConfig,
    private readonly store: JobStore,
    private readonly locator: JobLocator,
    private readonly sync: () => SyncRunner,
    private readonly handle: (id: string, name: string, queue: string) => JobHandle,
  ) {
    const availability = engine.availability;
    this.batcher = new EnqueueBatcher(async (specs) => (await availability.bounded(this.store.store(specs), engine.enqueueTimeoutMs)).handles);
    this.watch = config.isAsync && config.noWorkerWarningMs > 0 ? new QueueWatch(engine, config.noWorkerWarningMs, (q, n) => this.hint(q, n)) : null;
    if (this.watch) {
      const watch = this.watch;
      store.onQueued = (queue, name) => watch.enqueued(queue, name);
    }
  }

  /** What the handlers known here say about job `name` waiting in `queue` (QueueWatch's warning). */
  private hint(queue: string, name: string): string {
    const def = this.config.registry?.get(name);
    if (!def) return '';
    const declared = def.defaults.queue ?? this.config.defaultQueue;
    return declared === queue
      ? ''
      : ` The handler of "${name}" (${def.source}) is declared for queue "${declared}": leave \`queue\` out of the enqueue call to use it.`;
  }

  /** Waits (up to enqueueTimeout) for a Redis that is not ready yet; nothing is sent before. */
  private ready(): Promise<void> | undefined {
    const availability = this.engine.availability;
    if (availability.isReady) return undefined;
    const waiting = availability.whenReady(this.engine.enqueueTimeoutMs);
    if (!this.engine.cluster) return waiting;
    // a cluster connection to standalone servers never gets ready: the server check (it asks the nodes) says so
    waiting.catch(() => undefined);
    const refused = this.engine.ready().then(
      () => waiting,
      (err: unknown) => {
        if (err instanceof ClusterConnectionError && err.found === 'standalone') throw err;
        return waiting;
      },
    );
    return Promise.race([waiting, refused]);
  }

  /** Stops the checks still pending (the client closes). */
  close(): void {
    this.watch?.close();
  }

  /**
   * Enqueues one job. Calls made in the same event-loop turn are written by one script call (EnqueueBatcher);
   * each is validated on its own first, so a bad one rejects alone. A job with dependencies or a caller-chosen id
   * (claimed in the id index first), or in sync mode, goes the enqueueMany way.
   */
  async enqueue(name: string, data: unknown, options: EnqueueOptions): Promise<JobHandle> {
    if (!this.config.isAsync || (options !== null && typeof options === 'object' && (options.dependsOn !== undefined || options.jobId !== undefined))) {
      const [handle] = await this.enqueueMany([{ name, data, options }]);
      return handle!;
    }
    const def = this.resolveHandler(name);
    const spec = this.prepare({ name, data, options }, def, 0, '', true);
    if (def?.payloadClass) await validatePayload(def, decodeJson(spec.data));
    // a lane (`priority`, `queue.lane`) is checked against the queue's lanes, read from Redis unless known
    if (spec.lane !== '' || spec.queue.includes('.')) await this.engine.lanes.resolve([spec]);
    const waiting = this.ready();
    if (waiting) await waiting;
    const declaring = this.engine.lanes.pending();
    if (declaring) await declaring;
    const span = this.engine.tracing?.send(spec.queue, 1, spec.id);
    if (!span) return this.batcher.add(spec);
    spec.traceparent = span.traceparent;
    return traced(span, this.batcher.add(spec));
  }

  /**
   * Enqueues many jobs: one script call per chunk of each queue, atomic per chunk, in the order given. `pipeFrom`
   * ("queue|id") makes every item's data that job's result (chain()).
   */
  async enqueueMany(items: EnqueueItem[], pipeFrom = ''): Promise<JobHandle[]> {
    if (!Array.isArray(items)) throw new InvalidOptionError('items', items, 'an array of { name, data?, options? }');
    const specs: JobSpec[] = new Array(items.length);
    const defs: (JobHandlerDefinition | undefined)[] = new Array(items.length);
    let anyChosen = false;
    let anyPayloadClass = false;
    let anyDeps = false;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const def = item !== null && typeof item === 'object' ? atItem(i, () => this.resolveHandler(item.name)) : undefined;
      const spec = (specs[i] = atItem(i, () => this.prepare(item, def, i, pipeFrom, false)));
      defs[i] = def;
      anyChosen ||= spec.chosenId;
      anyPayloadClass ||= !!def?.payloadClass;
      anyDeps ||= spec.deps.length > 0;
    }
    // Every item is checked (above) before anything is written, but the data is encoded chunk by chunk as it is sent
    // (JobStore), so that Redis stores one chunk while the next is encoded. That holds only while nothing is awaited
    // before the last chunk is sent: once this call yields, the caller may change its objects, and each job must
    // keep the data it was given. So wherever something is awaited first, everything is encoded now.
    const lanes = this.engine.lanes.resolve(specs, true);
    if (anyChosen || anyPayloadClass || anyDeps || !this.config.isAsync || lanes) for (const s of specs) specData(s);
    if (lanes) await lanes;
    // validated once every item is built (a bad item throws first, leaving no validation running); only real
    // validations are awaited: most jobs have no payload class, and a promise each would be garbage
    if (anyPayloadClass && !pipeFrom) {
      const checks: Promise<void>[] = [];
      for (let i = 0; i < specs.length; i++) {
        const def = defs[i];
        if (def?.payloadClass) checks.push(validatePayload(def, decodeJson(specData(specs[i]!))).catch((err: unknown) => atItem(i, () => { throw err; })));
      }
      await Promise.all(checks);
    }
    const waiting = this.ready();
    if (waiting) {
      for (const s of specs) specData(s); // about to yield (see above)
      await waiting;
    }
    const declaring = this.engine.lanes.pending();
    if (declaring) {
      for (const s of specs) specData(s);
      await declaring;
    }
    // the jobs carry the producer span's traceparent, so it is set before anything is encoded
    const span = specs.length ? this.engine.tracing?.send(specs[0]!.queue, specs.length, specs[0]!.id) : null;
    if (span) for (const s of specs) s.traceparent = span.traceparent;
    const stored = this.engine.availability.bounded(this.storeAll(specs, defs, anyDeps, anyChosen), this.engine.enqueueTimeoutMs);
    return span ? traced(span, stored) : stored;
  }

  /** The Redis side of enqueueMany, once every item is checked: dependencies, the id index, the write. */
  private async storeAll(specs: JobSpec[], defs: (JobHandlerDefinition | undefined)[], anyDeps: boolean, anyChosen: boolean): Promise<JobHandle[]> {
    if (anyDeps) await resolveDependencies(specs, this.locator);
    if (!anyChosen) return this.write(specs, defs);
    // a caller-chosen id already held in another queue returns that job, as an existing id does within a queue; the
    // ids reserved for this call are committed once their jobs are stored (job-id-index.ts)
    const claim = await this.engine.ids.claim(specs);
    const taken = claim.taken;
    if (!taken.size) {
      const handles = await this.write(specs, defs);
      await claim.commit();
      return handles;
    }
    const keep = specs.map((_, i) => i).filter((i) => !taken.has(i));
    const stored = await this.write(
      keep.map((i) => specs[i]!),
      keep.map((i) => defs[i]),
    );
    await claim.commit();
    const handles: JobHandle[] = new Array(specs.length);
    keep.forEach((i, k) => (handles[i] = stored[k]!));
    for (const [i, t] of taken) handles[i] = this.handle(specs[i]!.id, t.name, t.queue);
    return handles;
  }

  /**
   * Enqueues a job that depends on `parent` and receives its result as data (streaQ's pipelines). Not named `then`:
   * a handle with `then` would be a thenable and break `await`.
   */
  async chain(parent: JobHandle, name: string, options: EnqueueOptions): Promise<JobHandle> {
    if (!isPlainObject(options)) throw new InvalidOptionError('options', options, OPTIONS_EXPECTED);
    if (options.dependsOn !== undefined) {
      throw new InvalidOptionError('dependsOn', options.dependsOn, 'nothing: chain() makes the new job depend on the handle it is called on');
    }
    const [handle] = await this.enqueueMany([{ name, options: { ...options, dependsOn: parent } }], `${parent.queue}|${parent.id}`);
    return handle!;
  }

  /**
   * The job each tick of a schedule enqueues, checked as an enqueue would be (defaults merged: module < @Job <
   * `options`), with the options of one call (jobId, dependsOn, delay, runAt) refused: a tick gives its own.
   */
  async scheduledJob(name: string, data: unknown, options: EnqueueOptions | undefined): Promise<JobSpec> {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new InvalidOptionError('options', options, 'an object of job options, or nothing');
    }
    if (options) assertKnownOptions(options, 'schedule options');
    const def = this.resolveHandler(name);
    const spec = this.prepare({ name, data, options }, def, 0, '', true);
    if (def?.payloadClass) await validatePayload(def, decodeJson(spec.data));
    await this.engine.lanes.resolve([spec]);
    return spec;
  }

  /** Declares that the registry holds every handler, so unknown job names are rejected at enqueue. */
  handlersComplete(): void {
    this.allHandlersKnown = true;
  }

  private async write(specs: JobSpec[], defs: (JobHandlerDefinition | undefined)[]): Promise<JobHandle[]> {
    return this.config.isAsync ? (await this.store.store(specs)).handles : this.sync().run(specs, defs);
  }

  /** Validates one item and builds its spec (throws before anything is written); `def` is its handler, if known. */
  private prepare(item: EnqueueItem | null | undefined, def: JobHandlerDefinition | undefined, i: number, pipeFrom: string, encodeNow: boolean): JobSpec {
    if (item === null || typeof item !== 'object') throw new InvalidOptionError(`items[${i}]`, item, 'an object { name, data?, options? }');
    const merged = this.mergeOptions(def, item.options);
    const spec = buildJobSpec(item.name, item.data, merged, this.config.defaultQueue, newJobId, encodeNow);
    spec.pipeFrom = pipeFrom;
    const jobKeep = def?.defaults.keep;
    const callKeep = item.options?.keep;
    if (jobKeep !== undefined || callKeep !== undefined) applyOwnRetention(spec, this.engine.retention.of(spec.queue), jobKeep, callKeep);
    // an empty registry knows no callback, so every name is reported unknown
    if (spec.callbacks !== NO_CALLBACKS && this.namesMustBeKnown()) checkCallbacks(spec.callbacks, this.config.registry ?? NO_HANDLERS);
    return spec;
  }

  /** Module defaults < @Job defaults < the call's options; no copy when only one level has any (the usual case). */
  private mergeOptions(def: JobHandlerDefinition | undefined, options: EnqueueOptions | undefined): EnqueueOptions {
    const own = options === undefined ? NO_OPTIONS : options;
    const defaults = this.config.defaults;
    const hasDefaults = !isEmpty(defaults) || (def !== undefined && !isEmpty(def.defaults));
    if (!hasDefaults) return own; // buildJobSpec checks it
    // checked before spreading: null, an array or a Date would spread into a plain object
    if (!isPlainObject(own)) throw new InvalidOptionError('options', own, OPTIONS_EXPECTED);
    return { ...defaults, ...def?.defaults, ...own };
  }

  private namesMustBeKnown(): boolean {
    return this.config.strictNames ?? (this.allHandlersKnown || !this.config.isAsync);
  }

  private resolveHandler(name: string): JobHandlerDefinition | undefined {
    const registry = this.config.registry;
    const def = registry?.get(name);
    if (!def && typeof name === 'string' && this.namesMustBeKnown()) {
      throw new UnknownJobError(name, registry?.names() ?? []);
    }
    return def;
  }
}

/** Ends a producer span when the store it covers settles (with the error, if it failed). */
async function traced<T>(span: ProducerSpan, stored: Promise<T>): Promise<T> {
  try {
    const out = await stored;
    span.end();
    return out;
  } catch (err) {
    span.end(err);
    throw err;
  }
}

/** The registry of a client given none: it knows no handler and no callback. */
const NO_HANDLERS = new HandlerRegistry();

/** The options of an item that gives none (shared: no object per job). */
const NO_OPTIONS: EnqueueOptions = Object.freeze({});

/** Runs `f`; a JoblineError it throws is marked with item `i` (JoblineError.item). */
function atItem<T>(i: number, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof JoblineError) err.item = i;
    throw err;
  }
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}
