import { hostname } from 'node:os';
import type { Engine } from '../engine.js';
import type { OutcomeKind } from '../redis/work-codec.js';
import type { WorkerJobCounts } from '../redis/worker-registry.js';

/**
 * The worker's entry in the registry of live workers (redis/worker-registry.ts): refreshed on its lease timer with
 * the jobs it runs and those it ran (counted here in memory, one increment per job, written with each refresh),
 * removed when it closes, and left to lapse (swept by maintenance) when it dies.
 */
export class Presence {
  private readonly perQueue: Record<string, WorkerJobCounts> = {};
  private startedAt = 0;
  private refreshing: Promise<void> = Promise.resolve();

  constructor(
    private readonly engine: Engine,
    private readonly workerId: string,
    private readonly queues: readonly string[],
    private readonly concurrency: number,
    /** how long an entry lasts without a refresh: a few refresh periods */
    private readonly lapseMs: number,
    private readonly running: () => number,
  ) {
    for (const q of queues) this.perQueue[q] = { finished: 0, failed: 0, retried: 0 };
  }

  /** A run of a job of `queue` ended (its outcome is being recorded); a release (at shutdown) is no run. */
  ended(queue: string, kind: OutcomeKind): void {
    const c = this.perQueue[queue];
    if (!c || kind === 'released') return;
    c[kind === 'retry' ? 'retried' : kind]++;
  }

  refresh(): Promise<void> {
    this.refreshing = this.write();
    return this.refreshing;
  }

  private async write(): Promise<void> {
    const at = await this.engine.workers.announce(
      {
        id: this.workerId,
        host: hostname(),
        pid: process.pid,
        queues: [...this.queues],
        concurrency: this.concurrency,
        running: this.running(),
        perQueue: this.perQueue,
        startedAt: this.startedAt,
      },
      this.lapseMs,
    );
    this.startedAt ||= at;
  }

  /** Removes the entry, after a refresh in flight (which would otherwise write it back). */
  async leave(): Promise<void> {
    await this.refreshing.catch(() => undefined);
    await this.engine.workers.remove(this.workerId);
  }
}
