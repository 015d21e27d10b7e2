import { DEFAULTS } from '../model/defaults.js';
import type { ScriptReply } from './scripts.js';
import { JOB_FIELD as F, OUTCOME } from './stored-names.js';

/**
 * The wire format of work.lua (see its header). A call's outcomes travel as one value, not several per job: ioredis
 * serialises a command value by value, and at tens of thousands of jobs a second that cost more CPU than running
 * the jobs.
 */
export type OutcomeKind = 'finished' | 'failed' | 'released';

/** A job as a worker fetched it (what work.lua returns per job). */
export interface FetchedJob {
  id: string;
  name: string;
  queue: string;
  data: string;
  attempt: number;
  /** -1: no limit. */
  timeoutMs: number;
  meta: string;
  /** The stored callbacks JSON ('' for none). */
  callbacks: string;
  /** The job's result and failure ttl in ms as stored ('' for the default): its outcome record carries the one that applies. */
  resultTtl: string;
  failureTtl: string;
  /**
   * From an instrumented fetch (work.lua's ARGV[5]), else -1 and '': how long the job waited from enqueue to this
   * start (Redis's clock), and the traceparent it was enqueued under. `ranAt` (performance.now() at its start) and
   * `durationMs` are set by a worker that measures run times.
   */
  waitMs: number;
  traceparent: string;
  ranAt: number;
  durationMs: number;
}

/**
 * One outcome record. Ids never hold '|' (names.ts), so the payload, last, may hold anything. The job's ttl for this
 * outcome travels with it, so the script need not look up fields most jobs do not have.
 */
export function outcomeRecord(job: Pick<FetchedJob, 'id' | 'attempt' | 'resultTtl' | 'failureTtl'>, kind: OutcomeKind, payload: string): string {
  const ttl = kind === 'finished' ? job.resultTtl : kind === 'failed' ? job.failureTtl : '';
  return `${job.id}|${job.attempt}|${OUTCOME[kind]}|${ttl}|${payload}`;
}

/** The outcome records of one call, as the single value work.lua reads them from (one record per line). */
export function outcomeLines(records: readonly string[] | undefined): string {
  return records ? records.join('\n') : '';
}

/** Decodes the fetched jobs of a work.lua reply: `{ outbox, jobs, names... }` (see its header). */
export function fetchedJobs(res: ScriptReply, queue: string): FetchedJob[] {
  const text = String(res[1]);
  const jobs: FetchedJob[] = [];
  let pos = 0;
  while (pos < text.length) {
    const a = text.indexOf('\n', pos);
    const b = text.indexOf('\n', a + 1);
    const c = text.indexOf('\n', b + 1);
    const d = text.indexOf('\n', c + 1);
    const e = text.indexOf('\n', d + 1);
    const job: FetchedJob = {
      id: text.slice(pos, a),
      name: String(res[2 + Number(text.slice(b + 1, c))]),
      queue,
      data: text.slice(d + 1, e),
      attempt: Number(text.slice(a + 1, b)),
      timeoutMs: DEFAULTS.TIMEOUT_MS,
      meta: '',
      callbacks: '',
      resultTtl: '',
      failureTtl: '',
      waitMs: -1,
      traceparent: '',
      ranAt: 0,
      durationMs: -1,
    };
    // '' for the common job; else "field TAB value" pairs
    if (d > c + 1) readOptions(job, text.slice(c + 1, d).split('\t'));
    jobs.push(job);
    pos = e + 1;
  }
  return jobs;
}

function readOptions(job: FetchedJob, pairs: string[]): void {
  let enqueuedAt = -1;
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const value = pairs[i + 1]!;
    switch (pairs[i]) {
      case F.timeout:
        job.timeoutMs = Number(value);
        break;
      case F.meta:
        job.meta = value;
        break;
      case F.callbacks:
        job.callbacks = value;
        break;
      case F.resultTtl:
        job.resultTtl = value;
        break;
      case F.failureTtl:
        job.failureTtl = value;
        break;
      // an instrumented fetch's (the start time follows the enqueue time)
      case F.enqueuedAt:
        enqueuedAt = value === '' ? -1 : Number(value);
        break;
      case F.startedAt:
        if (enqueuedAt >= 0) job.waitMs = Math.max(0, Number(value) - enqueuedAt);
        break;
      case F.traceparent:
        job.traceparent = value;
        break;
    }
  }
}
