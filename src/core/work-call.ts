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

/** Values per fetched job in the reply. */
const STRIDE = 5;

/** Decodes the fetched jobs of a work.lua reply; the last value is the outbox length. */
export function fetchedJobs(res: (string | number)[], queue: string): FetchedJob[] {
  const jobs: FetchedJob[] = [];
  const end = res.length - 1;
  for (let i = 0; i + STRIDE <= end; i += STRIDE) {
    const job: FetchedJob = {
      id: String(res[i]),
      name: String(res[i + 1]),
      queue,
      data: String(res[i + 2]),
      attempt: Number(res[i + 3]),
      timeoutMs: DEFAULTS.TIMEOUT_MS,
      meta: '',
      callbacks: '',
      resultTtl: '',
      failureTtl: '',
    };
    // '' for the common job; else five lines: timeout, meta, callbacks, result ttl, failure ttl (work.lua)
    const options = String(res[i + 4]);
    if (options !== '') {
      const [timeout, meta, callbacks, resultTtl, failureTtl] = options.split('\n');
      if (timeout) job.timeoutMs = Number(timeout);
      job.meta = meta ?? '';
      job.callbacks = callbacks ?? '';
      job.resultTtl = resultTtl ?? '';
      job.failureTtl = failureTtl ?? '';
    }
    jobs.push(job);
  }
  return jobs;
}

/** The length of the queue's outbox, which the script returns last. */
export function outboxLength(res: (string | number)[]): number {
  return Number(res[res.length - 1]);
}
