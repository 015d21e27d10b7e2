import { createRequire } from 'node:module';
import {
  InvalidOptionError,
  JOB_STATUSES,
  MissingDependencyError,
  toMs,
  type Duration,
  type JobCompletedEvent,
  type JobFailedEvent,
  type JobRetryingEvent,
  type JobsEnqueuedEvent,
  type QueueClient,
  type QueueSummary,
} from '../core/index.js';

/**
 * The registry metrics are registered in: prom-client's `Registry`, or any object with its `registerMetric`,
 * `metrics()` and `contentType` (typed by shape, so the package's types do not need prom-client installed).
 */
export interface MetricsRegistry {
  registerMetric(metric: never): void;
  metrics(): Promise<string>;
  readonly contentType: string;
}

export interface JobMetricsOptions {
  /** Where the metrics are registered. Default: a new prom-client Registry of their own. */
  registry?: MetricsRegistry;
  /** How often the queue gauges (jobs per status, workers) are read from Redis. Default 15 s; never per scrape. */
  refreshInterval?: Duration;
  /** The queues the gauges cover. Default: every queue of the prefix. */
  queues?: string[];
  /** Bucket bounds, in seconds, of the run time and wait time histograms. */
  durationBuckets?: number[];
  waitBuckets?: number[];
}

/** Names of every option, so a typo is refused. */
export const JOB_METRICS_OPTION_NAMES = Object.keys({
  registry: 1,
  refreshInterval: 1,
  queues: 1,
  durationBuckets: 1,
  waitBuckets: 1,
} satisfies Record<keyof JobMetricsOptions, 1>);

const DEFAULT_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const DEFAULT_WAIT_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600];
const DEFAULT_REFRESH_MS = 15_000;

/**
 * The outcomes `jobline_jobs_processed_total` counts: a run that completed, failed for good (an abandoned run too), or
 * failed and runs again (a retry, or a run cut short by a dead worker and requeued). `completed` is the job event's
 * name, kept as the label's value since the first release so that users' queries and alerts keep working.
 */
type Outcome = 'completed' | 'failed' | 'retried';

/** A histogram of one label set, kept here: observing is a short loop and three additions. */
class Hist {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(v: number): void {
    const b = this.bounds;
    for (let i = 0; i < b.length; i++) {
      if (v <= b[i]!) {
        this.counts[i]!++;
        break;
      }
    }
    this.sum += v;
    this.count++;
  }
}

/** What is kept per queue and job name. */
interface NameStats {
  enqueued: number;
  processed: Record<Outcome, number>;
  duration: Hist;
  wait: Hist;
}

type Labels = Record<string, string>;

/** One value line as prom-client's registry formats it (the shape its metrics' `get()` returns). */
interface MetricValue {
  value: number;
  labels: Labels;
  metricName?: string;
}

/**
 * A metric read from this object's own counts when the registry is scraped, in prom-client's metric shape (name,
 * help, type, `get()`). Counting stays here, on plain numbers: prom-client's own `inc`/`observe` hash their labels
 * on every call, a few microseconds a job, too much for a worker running tens of thousands of jobs a second.
 */
class CollectedMetric {
  readonly aggregator = 'sum';

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
    private readonly read: () => MetricValue[],
  ) {}

  async get(): Promise<{ name: string; help: string; type: string; values: MetricValue[]; aggregator: string }> {
    return { name: this.name, help: this.help, type: this.type, values: this.read(), aggregator: this.aggregator };
  }

  /** Registry.resetMetrics(): the counts are cumulative, as Prometheus expects of counters; nothing to reset here. */
  reset(): void {}
}

/**
 * Prometheus metrics of one QueueClient's process: `jobline_jobs_enqueued_total{queue,name}`,
 * `jobline_jobs_processed_total{queue,name,outcome}`, `jobline_job_duration_seconds{queue,name}` and
 * `jobline_job_wait_seconds{queue,name}` (histograms of run time and of the wait from enqueue to start), all fed
 * in-process by the engine's job events; and `jobline_queue_jobs{queue,status}`, `jobline_queue_paused{queue}` and
 * `jobline_workers{queue}` from the queues' counts and the registry of live workers, read from Redis every
 * `refreshInterval` (a scrape reads the cache). Used by QueueMetricsModule and `jobline serve`.
 */
export class JobMetrics {
  readonly registry: MetricsRegistry;
  private readonly byQueue = new Map<string, Map<string, NameStats>>();
  private readonly durationBuckets: number[];
  private readonly waitBuckets: number[];
  private summaries: QueueSummary[] = [];
  private readonly stops: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private nextRefresh: Promise<void> | null = null;
  private last: { queue: string; name: string; stats: NameStats } | null = null;

  constructor(
    private readonly client: QueueClient,
    private readonly options: JobMetricsOptions = {},
  ) {
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('metrics options', options, 'an object');
    this.durationBuckets = buckets('durationBuckets', options.durationBuckets ?? DEFAULT_DURATION_BUCKETS);
    this.waitBuckets = buckets('waitBuckets', options.waitBuckets ?? DEFAULT_WAIT_BUCKETS);
    const refreshMs = options.refreshInterval === undefined ? DEFAULT_REFRESH_MS : toMs('refreshInterval', options.refreshInterval);
    this.registry = options.registry ?? newRegistry();
    for (const m of this.metrics()) this.registry.registerMetric(m as never);
    this.stops.push(
      client.onEnqueued((e) => this.enqueued(e)),
      client.on('completed', (e) => this.ended(e, 'completed'), { timings: true, result: false }),
      client.on('failed', (e) => this.ended(e, 'failed'), { timings: true }),
      client.on('retrying', (e) => this.ended(e, 'retried'), { timings: true }),
      // a run cut short by a dead worker and requeued is a failed run that runs again, as the counters count it (an
      // abandoned one, requeued: false, also comes as a failed event)
      client.on('stalled', (e) => {
        if (e.requeued) this.stats(e.queue, e.name).processed.retried++;
      }),
    );
    this.refresh().catch(() => undefined);
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), refreshMs);
    this.timer.unref();
  }

  /** The registry's text for a scrape, and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Reads the queue gauges from Redis now (they are otherwise read every refreshInterval). */
  refresh(): Promise<void> {
    // one read at a time, so a slow Redis does not pile them up; a call while one is under way gets the next read,
    // made after it: the one under way may have started before what the caller wants to see
    if (this.refreshing) {
      return (this.nextRefresh ??= this.refreshing.catch(() => undefined).then(() => {
        this.nextRefresh = null;
        return this.refresh();
      }));
    }
    this.refreshing = (async () => {
      try {
        this.summaries = await this.client.getQueueSummaries(this.options.queues);
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** Stops listening and refreshing (the metrics stay registered, frozen). */
  close(): void {
    for (const stop of this.stops.splice(0)) stop();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private stats(queue: string, name: string): NameStats {
    // runs come in batches of one queue and mostly one name: the last pair's counts are at hand without two lookups
    const last = this.last;
    if (last !== null && last.queue === queue && last.name === name) return last.stats;
    let names = this.byQueue.get(queue);
    if (!names) this.byQueue.set(queue, (names = new Map()));
    let s = names.get(name);
    if (!s) {
      s = { enqueued: 0, processed: { completed: 0, failed: 0, retried: 0 }, duration: new Hist(this.durationBuckets), wait: new Hist(this.waitBuckets) };
      names.set(name, s);
    }
    this.last = { queue, name, stats: s };
    return s;
  }

  private enqueued(e: JobsEnqueuedEvent): void {
    this.stats(e.queue, e.name).enqueued += e.count;
  }

  /** A run ended: each run counts in the histograms, a retried one too (its wait is from enqueue to that run). */
  private ended(e: JobCompletedEvent | JobFailedEvent | JobRetryingEvent, outcome: Outcome): void {
    const s = this.stats(e.queue, e.name);
    s.processed[outcome]++;
    if (e.durationMs !== undefined) s.duration.observe(e.durationMs / 1000);
    if (e.waitMs !== undefined) s.wait.observe(e.waitMs / 1000);
  }

  private metrics(): CollectedMetric[] {
    const perName = (fn: (s: NameStats, labels: Labels) => MetricValue[]) => () => {
      const out: MetricValue[] = [];
      for (const [queue, names] of this.byQueue) for (const [name, s] of names) out.push(...fn(s, { queue, name }));
      return out;
    };
    const histogram = (metricName: string, pick: (s: NameStats) => Hist, bounds: number[]) =>
      perName((s, labels) => {
        const h = pick(s);
        if (h.count === 0) return [];
        const out: MetricValue[] = [];
        let cumulative = 0;
        bounds.forEach((le, i) => {
          cumulative += h.counts[i]!;
          out.push({ metricName: `${metricName}_bucket`, labels: { ...labels, le: String(le) }, value: cumulative });
        });
        out.push({ metricName: `${metricName}_bucket`, labels: { ...labels, le: '+Inf' }, value: h.count });
        out.push({ metricName: `${metricName}_sum`, labels, value: h.sum });
        out.push({ metricName: `${metricName}_count`, labels, value: h.count });
        return out;
      });
    return [
      new CollectedMetric(
        'jobline_jobs_enqueued_total',
        'Jobs stored by enqueue calls of this process (existing ids not counted)',
        'counter',
        perName((s, labels) => (s.enqueued ? [{ labels, value: s.enqueued }] : [])),
      ),
      new CollectedMetric(
        'jobline_jobs_processed_total',
        "Runs ended by this process's workers, by outcome: completed, failed (for good, or abandoned by a dead worker), retried (failed or cut short by a dead worker, will run again)",
        'counter',
        perName((s, labels) =>
          (Object.keys(s.processed) as Outcome[]).filter((o) => s.processed[o] > 0).map((outcome) => ({ labels: { ...labels, outcome }, value: s.processed[outcome] })),
        ),
      ),
      new CollectedMetric(
        'jobline_job_duration_seconds',
        "Run time of the jobs this process's workers ran (handler and callbacks)",
        'histogram',
        histogram('jobline_job_duration_seconds', (s) => s.duration, this.durationBuckets),
      ),
      new CollectedMetric(
        'jobline_job_wait_seconds',
        "Wait from when a job became runnable (enqueue, or the end of its delay or retry backoff) to the start of its run, for the runs of this process's workers (Redis's clock)",
        'histogram',
        histogram('jobline_job_wait_seconds', (s) => s.wait, this.waitBuckets),
      ),
      new CollectedMetric('jobline_queue_jobs', 'Jobs per queue and status (read from Redis every refresh interval)', 'gauge', () =>
        this.summaries.flatMap((q) => JOB_STATUSES.map((status) => ({ labels: { queue: q.name, status }, value: q.counts[status] }))),
      ),
      new CollectedMetric('jobline_queue_paused', '1 while the queue is paused', 'gauge', () =>
        this.summaries.map((q) => ({ labels: { queue: q.name }, value: q.paused ? 1 : 0 })),
      ),
      new CollectedMetric('jobline_workers', 'Live workers consuming the queue (the registry of live workers)', 'gauge', () =>
        this.summaries.map((q) => ({ labels: { queue: q.name }, value: q.workers })),
      ),
    ];
  }
}

/** A new prom-client Registry (prom-client is an optional peer: loaded only when metrics are used). */
function newRegistry(): MetricsRegistry {
  let promClient: { Registry: new () => MetricsRegistry };
  try {
    promClient = createRequire(import.meta.url)('prom-client') as typeof promClient;
  } catch {
    throw new MissingDependencyError('prom-client', 'Jobline metrics (QueueMetricsModule, jobline serve)');
  }
  return new promClient.Registry();
}

function buckets(option: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((v, i) => typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (i > 0 && v <= value[i - 1]))) {
    throw new InvalidOptionError(option, value, 'a non-empty array of increasing positive numbers of seconds');
  }
  return [...(value as number[])];
}
