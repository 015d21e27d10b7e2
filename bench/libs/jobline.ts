import { HandlerRegistry, QueueClient, Worker, type ConnectionOption, type EnqueueOptions, type JobContext, type JobHandle, type QueueOptions } from '../../src/core/index.js';

export const PREFIX = 'bench';
export const QUEUE = 'bench';
export const NOOP = 'bench.noop';

export type JoblineHandler = (data: unknown, ctx: JobContext) => unknown;

/**
 * One Jobline set-up per run, used through the core engine as a Nest app would (QueueService and the consumer are
 * thin layers over these). Producer and worker get separate clients, hence separate connections, as they would in
 * separate processes; nothing but `close()` is shared.
 */
export class JoblineRig {
  readonly producer: QueueClient;
  private consumer: QueueClient | null = null;
  private worker: Worker | null = null;

  /**
   * `queues`: the queues the worker runs and the counts add up (the cluster scenario spreads jobs over three);
   * `options`: their lanes and rate limits, given to the worker's client only (producers read them from Redis).
   */
  constructor(
    private readonly connection: ConnectionOption,
    private readonly queues: readonly string[] = [QUEUE],
    private readonly options?: Record<string, QueueOptions>,
  ) {
    this.producer = new QueueClient({ connection, prefix: PREFIX, defaultQueue: queues[0] });
  }

  /** Connects before the clock starts, as a long-running app is connected before its first enqueue. */
  async ready(): Promise<void> {
    await this.producer.ping();
  }

  /** Stores the lanes and rate limits of `options` before any job is enqueued (as a worker's start does). */
  async declare(): Promise<void> {
    const client = new QueueClient({ connection: this.connection, prefix: PREFIX, queues: this.options });
    // a client's first enqueue declares its queues' options first; the job itself is removed at once
    await (await client.enqueue('bench.declare', null)).delete();
    await client.close();
  }

  startWorker(handlers: Record<string, JoblineHandler>, concurrency: number): void {
    const registry = new HandlerRegistry();
    for (const [name, handle] of Object.entries(handlers)) registry.register({ name, handle, defaults: {}, source: 'bench' });
    this.consumer = new QueueClient({ connection: this.connection, prefix: PREFIX, defaultQueue: this.queues[0], registry, queues: this.options });
    this.worker = new Worker(this.consumer, registry, { queues: [...this.queues], concurrency });
    this.worker.start();
  }

  finishedCount(): Promise<number> {
    return this.count('finished');
  }

  queuedCount(): Promise<number> {
    return this.count('queued');
  }

  private async count(status: 'finished' | 'queued'): Promise<number> {
    const counts = await Promise.all(this.queues.map((q) => this.producer.countJobs(q)));
    return counts.reduce((sum, c) => sum + c[status], 0);
  }

  /** Stops the consumer side (the worker acknowledges its last jobs on close); the producer stays usable for checks. */
  async stopWorker(): Promise<void> {
    await this.worker?.close();
    await this.consumer?.close();
  }

  async close(): Promise<void> {
    await this.stopWorker();
    await this.producer.close();
  }
}

/** Enqueue options with `dependsOn`, typed so this compiles both before and after the engine declares the option. */
export type WithDependsOn = EnqueueOptions & { dependsOn?: string | string[] };

/**
 * Statuses of many jobs through the public API, in slices so 100,000 reads do not pile up at once. A job that no
 * longer exists reads as 'missing'.
 */
export async function statusesOf(handles: readonly JobHandle[]): Promise<Map<string, number>> {
  const tally = new Map<string, number>();
  for (let from = 0; from < handles.length; from += 5_000) {
    const slice = handles.slice(from, from + 5_000);
    const statuses = await Promise.all(slice.map((h) => h.getStatus().catch(() => 'missing')));
    for (const s of statuses) tally.set(s, (tally.get(s) ?? 0) + 1);
  }
  return tally;
}

/** Every handle's job ended `finished`; otherwise a failed check listing the statuses found. */
export async function checkAllFinished(check: (ok: boolean, what: string) => void, label: string, handles: readonly JobHandle[]): Promise<void> {
  const tally = await statusesOf(handles);
  const finished = tally.get('finished') ?? 0;
  const other = [...tally].filter(([s]) => s !== 'finished').map(([s, n]) => `${n} ${s}`);
  check(finished === handles.length, `${label}: ${finished} of ${handles.length} jobs ended finished${other.length ? ` (${other.join(', ')})` : ''}`);
}
