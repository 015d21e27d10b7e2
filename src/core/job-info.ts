import { DEFAULTS } from './defaults.js';
import { decodeJson } from './payload.js';
import type { JobErrorInfo, JobInfo, JobStatus, JsonObject } from './types.js';

function date(v: string | undefined): Date | null {
  return v ? new Date(Number(v)) : null;
}

function num(v: string | undefined, fallback: number): number {
  return v === undefined || v === '' ? fallback : Number(v);
}

/** The hash fields that hold a job's data, in order (lib.lua split_data keeps small hashes compact). */
export const DATA_FIELDS = ['d', 'd2', 'd3', 'd4'] as const;

/** A job's data from its stored DATA_FIELDS. */
export function joinData(...parts: (string | null | undefined)[]): string {
  let out = '';
  for (const p of parts) if (p) out += p;
  return out;
}

/** Turns a job hash (see lib.lua for its fields) into the public JobInfo. */
export function parseJobInfo(id: string, queue: string, h: Record<string, string>): JobInfo {
  return {
    id,
    name: h.n ?? '',
    queue,
    status: h.s as JobStatus,
    data: decodeJson(joinData(h.d, h.d2, h.d3, h.d4)),
    result: decodeJson(h.r) ?? null,
    error: (decodeJson(h.e) as JobErrorInfo | undefined) ?? null,
    enqueuedAt: date(h.c),
    startedAt: date(h.st),
    endedAt: date(h.et),
    attempts: num(h.a, 0),
    maxAttempts: num(h.ma, DEFAULTS.MAX_ATTEMPTS),
    workerId: h.w || null,
    meta: (decodeJson(h.m) as JsonObject | undefined) ?? {},
    description: h.desc ?? null,
    dependencies: ((decodeJson(h.D) as string[] | undefined) ?? []).map((ref) => ref.slice(ref.indexOf('|') + 1)),
    timeoutMs: num(h.to, DEFAULTS.TIMEOUT_MS),
    resultTtlMs: num(h.rt, DEFAULTS.RESULT_TTL_MS),
    failureTtlMs: num(h.ft, DEFAULTS.FAILURE_TTL_MS),
    expiresAt: date(h.x),
  };
}
