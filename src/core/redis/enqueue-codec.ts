import { encodeCallbackSet, NO_CALLBACKS } from '../model/callback-set.js';
import { DEFAULTS } from '../model/defaults.js';
import { specData, type JobSpec } from '../model/job-spec.js';
import { encodeRetryPolicy, NO_RETRY } from '../scheduler/retry-policy.js';
import { uniqueKey } from '../limits/unique.js';
import { encodeGroupLimits } from '../limits/group.js';
import type { ScriptReply } from './scripts.js';
import { DEP_FLAG, ENQUEUE_OPTION, ENQUEUE_REPLY, JOB_FIELD as F, storedNumber } from './stored-names.js';

/** How enqueue.lua stores new jobs: queued, or claimed as started by a sync-mode process that runs them at once. */
export type EnqueueMode = 'queue' | 'claim';

/**
 * enqueue.lua's ARGV for `specs[from..to)`: mode, worker, lease ms, job count, the job records packed in one string,
 * then the distinct job names (see the script's header). One string for the whole batch, not values per job: ioredis
 * serialises a command value by value, and Redis makes an object of each value; that was most of enqueue's cost.
 * Ids, data and options never hold TAB or LF (ids are [A-Za-z0-9_.-], the rest is JSON, which escapes control
 * characters); a job name may hold anything, so names go as values of their own, referred to by number.
 */
export function enqueueArgs(specs: readonly JobSpec[], from: number, to: number, mode: EnqueueMode, worker: string, leaseMs: number): (string | number)[] {
  const args: (string | number)[] = [mode, worker, leaseMs, to - from, ''];
  // nearly every batch has one name: remember the last one instead of asking the map each time
  let lastName: string | undefined;
  let sep = ''; // '\t<k>\t' of the last name
  let byName: Map<string, string> | undefined;
  // joined once, not concatenated: a string built by += is a tree of pieces that is copied flat again on sending
  const parts: string[] = new Array((to - from) * 5);
  let p = 0;
  for (let i = from; i < to; i++) {
    const s = specs[i]!;
    if (s.name !== lastName) {
      byName ??= new Map();
      let known = byName.get(s.name);
      if (known === undefined) {
        args.push(s.name);
        known = `\t${args.length - 5}\t`; // k: the name is ARGV[5 + k] in the script, args[4 + k] here
        byName.set(s.name, known);
      }
      lastName = s.name;
      sep = known;
    }
    const options = specOptions(s);
    parts[p++] = s.chosenId ? '1' : '0';
    parts[p++] = s.id;
    parts[p++] = sep;
    parts[p++] = specData(s);
    parts[p++] = options === '' ? '\t\n' : `\t${options}\n`;
  }
  args[4] = parts.join('');
  return args;
}

/**
 * A job's options as enqueue.lua reads them: '' when every option is its default (nearly always: tested without
 * building anything), else a JSON object of the options that differ, keyed by name (stored-names.ts).
 */
export function specOptions(s: JobSpec): string {
  if (
    !s.atFront &&
    s.timeoutMs === DEFAULTS.TIMEOUT_MS &&
    s.resultTtlMs === DEFAULTS.RESULT_TTL_MS &&
    s.failureTtlMs === DEFAULTS.FAILURE_TTL_MS &&
    s.ttlMs === null &&
    s.maxAttempts === DEFAULTS.MAX_ATTEMPTS &&
    s.description === null &&
    s.meta === '' &&
    s.deps.length === 0 &&
    !s.allowFailure &&
    !s.cancelOnDependencyFailure &&
    s.callbacks === NO_CALLBACKS &&
    s.pipeFrom === '' &&
    s.traceparent === '' &&
    s.retry === NO_RETRY &&
    s.delayMs === null &&
    s.runAtMs === null &&
    s.keep === '' &&
    s.unique === null &&
    s.lane === '' &&
    s.group === null
  ) {
    return '';
  }
  const o: Record<string, string> = {};
  const put = (name: string, value: string) => {
    if (value !== '') o[name] = value;
  };
  if (s.atFront) o[F.atFront] = '1';
  put(F.timeout, storedNumber(s.timeoutMs, DEFAULTS.TIMEOUT_MS));
  put(F.resultTtl, storedNumber(s.resultTtlMs, DEFAULTS.RESULT_TTL_MS));
  put(F.failureTtl, storedNumber(s.failureTtlMs, DEFAULTS.FAILURE_TTL_MS));
  put(F.maxAttempts, storedNumber(s.maxAttempts, DEFAULTS.MAX_ATTEMPTS));
  if (s.ttlMs !== null) o[ENQUEUE_OPTION.ttl] = String(s.ttlMs);
  put(F.description, s.description ?? '');
  put(F.meta, s.meta);
  put(F.callbacks, encodeCallbackSet(s.callbacks));
  put(F.pipeFrom, s.pipeFrom);
  put(F.traceparent, s.traceparent);
  put(F.retry, encodeRetryPolicy(s.retry));
  put(F.keep, s.keep);
  if (s.unique) {
    o[F.unique] = uniqueKey(s.unique, s.name, specData(s));
    if (s.unique.ttlMs !== null) o[ENQUEUE_OPTION.uniqueTtl] = String(s.unique.ttlMs);
  }
  put(F.lane, s.lane);
  if (s.group) {
    o[F.group] = s.group.id;
    // a job that gives no limits leaves the group's as they are (lib/group-keys.lua group_note)
    if (s.group.concurrency !== null || s.group.rate !== null) o[ENQUEUE_OPTION.groupLimits] = encodeGroupLimits(s.group);
  }
  if (s.delayMs !== null && s.delayMs > 0) o[ENQUEUE_OPTION.delay] = String(s.delayMs);
  if (s.runAtMs !== null) o[ENQUEUE_OPTION.runAt] = String(s.runAtMs);
  if (s.deps.length) o[ENQUEUE_OPTION.dependsOn] = s.deps.map((d) => `${d.queue}|${d.id}|${d.inBatch ? '1' : ''}`).join(',');
  put(ENQUEUE_OPTION.dependencyFlags, (s.allowFailure ? DEP_FLAG.allowFailure : '') + (s.cancelOnDependencyFailure ? DEP_FLAG.cancelOnFailure : ''));
  return JSON.stringify(o);
}

/** What enqueue.lua answered for one job: its status, and whether the id already existed (with that job's name). */
export interface EnqueuedJob {
  status: string;
  existed: boolean;
  /** the existing job's name, when it existed */
  name: string | undefined;
  /** the caller-chosen id is fenced in this queue: nothing was stored (job-id-index.ts) */
  fenced?: true;
  /** a live job holds this `unique` job's key: nothing was stored; that job's id (its status and name as above) */
  duplicateOf?: string;
}

const FENCED: EnqueuedJob = { status: '', existed: false, name: undefined, fenced: true };

/**
 * The head of enqueue.lua's reply: how many entries its queue's outbox holds, and whether the call created the queue's
 * meta (the queue is new to Redis: never used, or deleted since; see the script's header).
 */
export function enqueueReplyHead(reply: ScriptReply): { outbox: number; newQueue: boolean } {
  const n = Number(reply[0]);
  return n < 0 ? { outbox: -1 - n, newQueue: true } : { outbox: n, newQueue: false };
}

/** Decodes enqueue.lua's reply for a chunk of `count` jobs; calls `each(k, job)` for the k-th job of the chunk. */
export function decodeEnqueueReply(reply: ScriptReply, count: number, each: (k: number, job: EnqueuedJob) => void): void {
  const first = String(reply[1]);
  // every job new with one same status (nearly always): one value for the chunk
  const allNew = reply.length === 2 && first.startsWith(ENQUEUE_REPLY.allNew) ? { status: first.slice(1), existed: false, name: undefined } : undefined;
  for (let k = 0; k < count; k++) {
    if (allNew) {
      each(k, allNew);
      continue;
    }
    const r = String(reply[k + 1]);
    if (r === ENQUEUE_REPLY.fenced) {
      each(k, FENCED);
    } else if (r.startsWith(ENQUEUE_REPLY.duplicate)) {
      // '~' status '|' id '|' name: ids never hold '|', names may
      const bar = r.indexOf('|');
      const bar2 = r.indexOf('|', bar + 1);
      each(k, { status: r.slice(1, bar), existed: true, name: r.slice(bar2 + 1), duplicateOf: r.slice(bar + 1, bar2) });
    } else if (r.startsWith(ENQUEUE_REPLY.existed)) {
      const bar = r.indexOf('|');
      each(k, { status: r.slice(1, bar), existed: true, name: r.slice(bar + 1) });
    } else {
      each(k, { status: r, existed: false, name: undefined });
    }
  }
}
