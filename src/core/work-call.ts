import { DEFAULTS } from './defaults.js';
import type { FetchedJob } from './job-runner.js';

/**
 * The wire format of work.lua (see its header). A call's outcomes travel as one value, not several per job: ioredis
 * serialises a command value by value, and at tens of thousands of jobs a second that cost more CPU than running
 * the jobs.
 */
export type OutcomeKind = 'f' | 'x' | 'r';

/**
 * One outcome record. Ids never hold '|' (keys.ts), so the payload, last, may hold anything. The job's ttl for this
 * outcome travels with it, so the script need not look up fields most jobs do not have.
 */
export function outcomeRecord(job: Pick<FetchedJob, 'id' | 'attempt' | 'resultTtl' | 'failureTtl'>, kind: OutcomeKind, payload: string): string {
  const ttl = kind === 'f' ? job.resultTtl : kind === 'x' ? job.failureTtl : '';
  return `${job.id}|${job.attempt}|${kind}|${ttl}|${payload}`;
}

/** The outcome records of one call, as the single value work.lua reads them from (one record per line). */
export function outcomeLines(records: readonly string[] | undefined): string {
  return records ? records.join('\n') : '';
}

/** Decodes the fetched jobs of a work.lua reply: `{ jobs, outbox length, names... }` (see its header). */
export function fetchedJobs(res: (string | number)[], queue: string): FetchedJob[] {
  const text = String(res[0]);
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
    };
    // '' for the common job; else timeout, meta, callbacks, result ttl, failure ttl, tab-separated
    if (d > c + 1) {
      const [timeout, meta, callbacks, resultTtl, failureTtl] = text.slice(c + 1, d).split('\t');
      if (timeout) job.timeoutMs = Number(timeout);
      job.meta = meta ?? '';
      job.callbacks = callbacks ?? '';
      job.resultTtl = resultTtl ?? '';
      job.failureTtl = failureTtl ?? '';
    }
    jobs.push(job);
    pos = e + 1;
  }
  return jobs;
}

/** The length of the queue's outbox, which work.lua returns second. */
export function outboxLength(res: (string | number)[]): number {
  return Number(res[1]);
}
