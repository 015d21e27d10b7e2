import type { Engine } from '../engine.js';
import { OUTCOME } from '../redis/stored-names.js';
import { outcomeRecord, type FetchedJob, type OutcomeKind } from '../redis/work-codec.js';
import { reportOutcome, type Outcome } from '../run/outcome.js';

/** A job event waiting for its outcome record to be written (reported only once Redis has it). */
interface Report {
  record: string;
  job: FetchedJob;
  outcome: Outcome;
}

/**
 * Outcome records (work-codec.ts) of ended jobs waiting, per queue, for the next work.lua call of that queue, and
 * the job events (completed, failed, retrying) someone wants, reported once their records are written.
 */
export class PendingOutcomes {
  private readonly waiting = new Map<string, string[]>();
  /** Records on their way (a work.lua call not answered yet). */
  private readonly sending = new Set<{ queue: string; records: readonly string[] }>();
  /** Per queue, the events someone wants, in outcome order, until their outcome is written. */
  private readonly reports = new Map<string, Report[]>();

  constructor(
    private readonly engine: Engine,
    private readonly workerId: string,
  ) {}

  /** Queues with records waiting. */
  queues(): IterableIterator<string> {
    return this.waiting.keys();
  }

  get size(): number {
    return this.waiting.size;
  }

  /** A job ended: its record waits, and its event until the record is written. */
  ended(job: FetchedJob, outcome: Outcome): void {
    const record = this.record(job, outcome.kind, outcome.payload, outcome.retryDelayMs);
    const events = this.engine.events;
    if (outcome.kind === 'finished' ? events.wants.completed : outcome.kind === 'retry' ? events.wants.retrying : events.wants.failed) {
      let list = this.reports.get(job.queue);
      if (!list) this.reports.set(job.queue, (list = []));
      list.push({ record, job, outcome });
    }
  }

  record(job: FetchedJob, kind: OutcomeKind, payload: string, retryDelayMs?: number): string {
    const record = outcomeRecord(job, kind, payload, retryDelayMs);
    this.list(job.queue).push(record);
    return record;
  }

  /** Held jobs ("<id>|<attempt>") this worker does not run go back to their queue (lease.ts). */
  releaseHeld(queue: string, members: string[]): void {
    const list = this.list(queue);
    for (const m of members) list.push(`${m}|${OUTCOME.released}||`);
  }

  /** Whether a record of job `id` of `queue` waits or is on its way (rare path: a scan). */
  owes(queue: string, id: string): boolean {
    const prefix = `${id}|`;
    const has = (records: readonly string[] | undefined) => !!records?.some((r) => r.startsWith(prefix));
    if (has(this.waiting.get(queue))) return true;
    for (const sent of this.sending) if (sent.queue === queue && has(sent.records)) return true;
    return false;
  }

  /** Takes up to `max` of the queue's waiting records. */
  take(queue: string, max = Infinity): string[] | undefined {
    const acks = this.waiting.get(queue);
    if (!acks) return undefined;
    if (acks.length <= max) {
      this.waiting.delete(queue);
      return acks;
    }
    return acks.splice(0, max);
  }

  /**
   * Sends `acks` of `queue` with `call`: they count as on their way until it settles, go back first in line if it
   * fails (rather than leave their jobs to lease expiry and a rerun), and their events are reported once written.
   */
  async sent<T>(queue: string, acks: string[] | undefined, call: () => Promise<T>): Promise<T> {
    const sent = acks && { queue, records: acks };
    if (sent) this.sending.add(sent);
    let reply: T;
    try {
      reply = await call();
    } catch (err) {
      if (acks) this.waiting.set(queue, [...acks, ...(this.waiting.get(queue) ?? [])]);
      throw err;
    } finally {
      if (sent) this.sending.delete(sent);
    }
    if (acks && this.reports.size) this.reportWritten(queue, acks);
    return reply;
  }

  private list(queue: string): string[] {
    let list = this.waiting.get(queue);
    if (!list) this.waiting.set(queue, (list = []));
    return list;
  }

  /**
   * Reports the events whose records `acks` just wrote: listeners then find the job's state in Redis as the event
   * says. Calls of one queue may be answered out of the order they were sent in (on a cluster, a held-up call and the
   * flush sent meanwhile are each retried while its slot migrates): every event whose record was written is reported,
   * the others keep waiting (a walk in order stopped at the first unanswered one, and the events behind it were never
   * reported). Ended jobs' events come in outcome order, as their records were written.
   */
  private reportWritten(queue: string, acks: readonly string[]): void {
    const list = this.reports.get(queue);
    if (!list) return;
    const written = new Set(acks);
    let kept = 0;
    for (const r of list) {
      if (written.has(r.record)) reportOutcome(this.engine.events, r.job, this.workerId, r.outcome);
      else list[kept++] = r;
    }
    if (kept === 0) this.reports.delete(queue);
    else list.length = kept;
  }
}
