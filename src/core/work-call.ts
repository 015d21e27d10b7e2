import { DEFAULTS } from './defaults.js';
import type { FetchedJob } from './job-runner.js';

/**
 * The wire format of work.lua (see its header). An outcome travels as one value, not four: ioredis serialises a
 * command value by value, and at tens of thousands of jobs a second that cost more CPU than running the jobs.
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

/** Values per fetched job in the reply. */
const STRIDE = 9;

/** Decodes the fetched jobs of a reply to a call that sent `outcomes` records; the last value is the outbox length. */
export function fetchedJobs(res: (string | number)[], outcomes: number, queue: string): FetchedJob[] {
  const jobs: FetchedJob[] = [];
  const end = res.length - 1;
  for (let i = outcomes; i + STRIDE <= end; i += STRIDE) {
    const timeout = res[i + 4];
    jobs.push({
      id: String(res[i]),
      name: String(res[i + 1]),
      queue,
      data: String(res[i + 2]),
      attempt: Number(res[i + 3]),
      timeoutMs: timeout === '' ? DEFAULTS.TIMEOUT_MS : Number(timeout),
      meta: String(res[i + 5]),
      callbacks: String(res[i + 6]),
      resultTtl: String(res[i + 7]),
      failureTtl: String(res[i + 8]),
    });
  }
  return jobs;
}

/** The length of the queue's outbox, which the script returns last. */
export function outboxLength(res: (string | number)[]): number {
  return Number(res[res.length - 1]);
}
