import { DEFAULTS } from '../model/defaults.js';
import { decodeJson } from '../model/payload.js';
import type { JobErrorInfo, JobInfo, JobStatus, JsonObject } from '../model/types.js';
import { decodeRetryPolicy } from '../scheduler/retry-policy.js';
import { DATA_FIELDS, JOB_FIELD as F } from './stored-names.js';

function date(v: string | undefined): Date | null {
  return v ? new Date(Number(v)) : null;
}

function num(v: string | undefined, fallback: number): number {
  return v === undefined || v === '' ? fallback : Number(v);
}

/** A job's data from its stored DATA_FIELDS. */
export function joinData(...parts: (string | null | undefined)[]): string {
  let out = '';
  for (const p of parts) if (p) out += p;
  return out;
}

/** Turns a job hash (fields: stored-names.ts) into the public JobInfo. */
export function parseJobInfo(id: string, queue: string, h: Record<string, string>): JobInfo {
  return {
    id,
    name: h[F.name] ?? '',
    queue,
    status: h[F.status] as JobStatus,
    data: decodeJson(joinData(...DATA_FIELDS.map((f) => h[f]))),
    result: decodeJson(h[F.result]) ?? null,
    error: (decodeJson(h[F.error]) as JobErrorInfo | undefined) ?? null,
    enqueuedAt: date(h[F.enqueuedAt]),
    startedAt: date(h[F.startedAt]),
    endedAt: date(h[F.endedAt]),
    attempts: num(h[F.attempts], 0),
    maxAttempts: num(h[F.maxAttempts], DEFAULTS.MAX_ATTEMPTS),
    workerId: h[F.worker] || null,
    meta: (decodeJson(h[F.meta]) as JsonObject | undefined) ?? {},
    description: h[F.description] ?? null,
    dependencies: ((decodeJson(h[F.dependencies]) as string[] | undefined) ?? []).map((ref) => ref.slice(ref.indexOf('|') + 1)),
    timeoutMs: num(h[F.timeout], DEFAULTS.TIMEOUT_MS),
    resultTtlMs: num(h[F.resultTtl], DEFAULTS.RESULT_TTL_MS),
    failureTtlMs: num(h[F.failureTtl], DEFAULTS.FAILURE_TTL_MS),
    expiresAt: date(h[F.expiresAt]),
    retries: num(h[F.retries], 0),
    maxRetries: decodeRetryPolicy(h[F.retry] ?? '').m,
    scheduledFor: date(h[F.scheduledFor]),
    progress: (decodeJson(h[F.progress]) as number | JsonObject | undefined) ?? null,
    lane: h[F.lane] || null,
    group: h[F.group] ?? null,
  };
}
