import { DEFAULTS } from '../model/defaults.js';
import { jobOutcomeTtls, type OutcomeTtls } from '../model/retention.js';
import type { ScriptReply } from './scripts.js';
import { joinData } from './job-hash.js';
import { DATA_FIELDS, JOB_FIELD as F, OUTCOME, WORKER_OPTION_FIELDS } from './stored-names.js';

/**
 * The wire format of work.lua (see its header). A call's outcomes travel as one value, not several per job: ioredis
 * serialises a command value by value, and at tens of thousands of jobs a second that cost more CPU than running
 * the jobs.
 */
export type OutcomeKind = 'finished' | 'failed' | 'retry' | 'released';

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
  /**
   * What its finished and its failed outcome record carry as ttl: the stored ttl in ms ('' for the default), capped
   * by the queue's age cap unless the job has caps of its own, and ",<count>" when a count cap applies
   * (model/retention.ts outcomeTtl).
   */
  resultTtl: string;
  failureTtl: string;
  /** The stored retry policy ('' for none: scheduler/retry-policy.ts), and the retries so far. */
  retry: string;
  retries: number;
  /** The group (tenant) id it was enqueued in ('' none): its outcome record says so (outcomeRecord). */
  group: string;
  /**
   * From an instrumented fetch (work.lua's ARGV[5]), else -1 and '': how long the job waited from when it became
   * runnable (its enqueue, or the end of its delay or retry backoff) to this start (Redis's clock), and the
   * traceparent it was enqueued under. `ranAt` (performance.now() at its start) and
   * `durationMs` are set by a worker that measures run times.
   */
  waitMs: number;
  traceparent: string;
  ranAt: number;
  durationMs: number;
}

/**
 * One outcome record. Ids never hold '|' (names.ts), so the payload, last, may hold anything. The job's ttl for this
 * outcome travels with it, so the script need not look up fields most jobs do not have; a retry carries its wait
 * (ms) in that place instead. A grouped job's kind is in upper case, so work.lua looks up the group of those jobs
 * only (lib/group-keys.lua group_stop).
 */
export function outcomeRecord(job: Pick<FetchedJob, 'id' | 'attempt' | 'resultTtl' | 'failureTtl' | 'group'>, kind: OutcomeKind, payload: string, retryDelayMs = 0): string {
  const ttl = kind === 'finished' ? job.resultTtl : kind === 'failed' ? job.failureTtl : kind === 'retry' ? String(retryDelayMs) : '';
  const k = job.group === '' ? OUTCOME[kind] : OUTCOME[kind].toUpperCase();
  return `${job.id}|${job.attempt}|${k}|${ttl}|${payload}`;
}

/** The outcome records of one call, as the single value work.lua reads them from (one record per line). */
export function outcomeLines(records: readonly string[] | undefined): string {
  return records ? records.join('\n') : '';
}

/**
 * Decodes the fetched jobs of a work.lua reply: `{ outbox, jobs, timing, names... }` (see its header). `instrumented`:
 * the call asked for an instrumented fetch (ARGV[5]), whose jobs text starts with the start time and gives each job
 * two more lines (when it became runnable, its traceparent).
 */
export function fetchedJobs(res: ScriptReply, queue: string, ttls: OutcomeTtls, instrumented = false): FetchedJob[] {
  const text = String(res[1]);
  const jobs: FetchedJob[] = [];
  let pos = 0;
  let startedAt = 0;
  if (instrumented) {
    const lf = text.indexOf('\n');
    startedAt = Number(text.slice(0, lf));
    pos = lf + 1;
  }
  while (pos < text.length) {
    const a = text.indexOf('\n', pos);
    const b = text.indexOf('\n', a + 1);
    const c = text.indexOf('\n', b + 1);
    const d = text.indexOf('\n', c + 1);
    const e = text.indexOf('\n', d + 1);
    const job = fetchedJob(text.slice(pos, a), String(res[3 + Number(text.slice(b + 1, c))]), queue, text.slice(d + 1, e), Number(text.slice(a + 1, b)), ttls);
    // '' for the common job; else "field TAB value" pairs
    if (d > c + 1) readOptions(job, text.slice(c + 1, d).split('\t'), ttls);
    pos = e + 1;
    if (instrumented) {
      const f = text.indexOf('\n', pos);
      const g = text.indexOf('\n', f + 1);
      // '' when the job has no enqueue time (none is stored without one; kept safe) or no traceparent
      if (f > pos) job.waitMs = Math.max(0, startedAt - Number(text.slice(pos, f)));
      if (g > f + 1) job.traceparent = text.slice(f + 1, g);
      pos = g + 1;
    }
    jobs.push(job);
  }
  return jobs;
}

/** A fetched job with every option at its default (readOptions sets those the job has). */
function fetchedJob(id: string, name: string, queue: string, data: string, attempt: number, ttls: OutcomeTtls): FetchedJob {
  return { id, name, queue, data, attempt, timeoutMs: DEFAULTS.TIMEOUT_MS, meta: '', callbacks: '', resultTtl: ttls.finished, failureTtl: ttls.failed, retry: '', retries: 0, group: '', waitMs: -1, traceparent: '', ranAt: 0, durationMs: -1 };
}

/** A job as a worker would have fetched it, from its whole hash (sync mode's runs after the first: claim.lua). */
export function fetchedFromHash(id: string, queue: string, attempt: number, h: Record<string, string>, ttls: OutcomeTtls): FetchedJob {
  const job = fetchedJob(id, h[F.name] ?? '', queue, joinData(...DATA_FIELDS.map((f) => h[f])), attempt, ttls);
  readOptions(job, WORKER_OPTION_FIELDS.flatMap((f) => (h[f] === undefined ? [] : [f, h[f]])), ttls);
  return job;
}

function readOptions(job: FetchedJob, pairs: string[], ttls: OutcomeTtls): void {
  let resultTtl = '';
  let failureTtl = '';
  let keep = '';
  let retention = false;
  let unique = false;
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
        resultTtl = value;
        retention = true;
        break;
      case F.failureTtl:
        failureTtl = value;
        retention = true;
        break;
      case F.keep:
        keep = value;
        retention = true;
        break;
      case F.retry:
        job.retry = value;
        break;
      case F.retries:
        job.retries = Number(value);
        break;
      case F.unique:
        unique = true;
        break;
      case F.group:
        job.group = value;
        break;
    }
  }
  if (retention) {
    const t = jobOutcomeTtls(ttls, resultTtl, failureTtl, keep);
    job.resultTtl = t.finished;
    job.failureTtl = t.failed;
  }
  if (unique) markUnique(job);
}

/**
 * Marks a `unique` job's finished and failed ttls with a leading 'u', so work.lua lets its unique key go when it ends
 * (lib/unique.lua) while a job without one costs the script no look-up.
 */
export function markUnique(job: Pick<FetchedJob, 'resultTtl' | 'failureTtl'>): void {
  job.resultTtl = `u${job.resultTtl}`;
  job.failureTtl = `u${job.failureTtl}`;
}

/** A schedule whose tick is due, handed to this worker to fire (lib/schedule.lua claim_due_schedules). */
export interface DueSchedule {
  id: string;
  /** the tick, ms, as stored (the fire script compares the text) */
  tick: string;
  version: string;
  anchor: number;
  rule: string;
}

/** The timing part of a work.lua reply (lib/schedule.lua time_due): '' when the call fetched nothing. */
export interface FetchTiming {
  /** ms until the next delayed job or schedule tick is due; -1 none; undefined: not asked */
  waitMs: number | undefined;
  /** Redis time of the call, when schedules were handed over */
  now: number;
  due: DueSchedule[];
}

const NOT_ASKED: FetchTiming = Object.freeze({ waitMs: undefined, now: 0, due: Object.freeze([]) as unknown as DueSchedule[] });

export function fetchTiming(res: ScriptReply): FetchTiming {
  const text = String(res[2] ?? '');
  if (text === '') return NOT_ASKED;
  const lf = text.indexOf('\n');
  if (lf < 0) return { waitMs: Number(text), now: 0, due: NOT_ASKED.due };
  const lines = text.split('\n');
  const due: DueSchedule[] = [];
  for (let i = 2; i < lines.length; i++) {
    const [id, tick, version, anchor, ...rule] = lines[i]!.split('\t');
    due.push({ id: id!, tick: tick!, version: version!, anchor: Number(anchor), rule: rule.join('\t') });
  }
  return { waitMs: Number(lines[0]), now: Number(lines[1]), due };
}
