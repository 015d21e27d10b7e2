import { checkCallbacks, parseCallbackSet, runCallback } from './callbacks.js';
import { JobTimeoutError, PayloadNotSerializableError } from './errors.js';
import type { HandlerRegistry } from './handler-registry.js';
import { decodeJson, encodeJson } from './payload.js';
import { validatePayload } from './payload-validation.js';
import type { JobContext, JobErrorInfo, JobSnapshot, JsonObject } from './types.js';

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
}

/** What running a job came to: 'f' finished with an encoded result, 'x' failed with an encoded error. */
export interface Outcome {
  kind: 'f' | 'x';
  payload: string;
}

export function errorInfo(err: unknown): JobErrorInfo {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: typeof err === 'string' ? err : safeString(err) };
}

function safeString(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function failure(err: unknown, callbackError?: unknown): Outcome {
  const info = errorInfo(err);
  if (callbackError !== undefined) info.callbackError = errorInfo(callbackError);
  return { kind: 'x', payload: JSON.stringify(info) };
}

/**
 * Runs one job: resolves its handler and callbacks by name, decodes and validates the payload, enforces the
 * timeout, then runs onSuccess (whose failure fails the job) or onFailure (whose failure is recorded beside the
 * job's error). Never throws: every problem becomes a failed Outcome. On timeout the outcome is returned at once
 * (freeing the slot) even if the handler ignores its signal; its late result is dropped.
 */
export async function runJob(
  job: FetchedJob,
  registry: HandlerRegistry,
  abort: AbortController,
  saveMeta: (meta: JsonObject) => Promise<void>,
): Promise<Outcome> {
  let callbacks;
  try {
    callbacks = parseCallbackSet(job.callbacks);
    checkCallbacks(callbacks, registry);
  } catch (err) {
    return failure(err);
  }
  const snapshot: { -readonly [K in keyof JobSnapshot]: JobSnapshot[K] } = {
    id: job.id,
    name: job.name,
    queue: job.queue,
    data: undefined,
    attempt: job.attempt,
    meta: {},
  };
  let result: unknown;
  try {
    result = await runHandler(job, registry, abort, saveMeta, snapshot);
  } catch (err) {
    if (!callbacks.f) return failure(err);
    try {
      await runCallback(registry, callbacks, 'f', snapshot, err);
      return failure(err);
    } catch (cbErr) {
      return failure(err, cbErr);
    }
  }
  let payload: string;
  try {
    payload = encodeJson(result, `The return value of job "${job.name}"`);
    await runCallback(registry, callbacks, 's', snapshot, result);
  } catch (err) {
    return failure(err);
  }
  return { kind: 'f', payload };
}

async function runHandler(
  job: FetchedJob,
  registry: HandlerRegistry,
  abort: AbortController,
  saveMeta: (meta: JsonObject) => Promise<void>,
  snapshot: { data: unknown; meta: JsonObject },
): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const def = registry.require(job.name);
    let data: unknown;
    try {
      data = decodeJson(job.data);
    } catch (err) {
      throw new PayloadNotSerializableError(`The stored data of job ${job.id} is not valid JSON (${(err as Error).message}); it was not written by Jobline's enqueue.`);
    }
    snapshot.data = data;
    const meta = (decodeJson(job.meta) as JsonObject | undefined) ?? {};
    snapshot.meta = meta;
    await validatePayload(def, data);
    const ctx: JobContext = {
      id: job.id,
      name: job.name,
      queue: job.queue,
      attempt: job.attempt,
      meta,
      signal: abort.signal,
      async updateMeta(patch: JsonObject) {
        Object.assign(meta, patch);
        await saveMeta(meta);
      },
    };
    const run = Promise.resolve().then(() => def.handle(data, ctx));
    if (job.timeoutMs <= 0) return await run;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new JobTimeoutError(job.timeoutMs);
        abort.abort(err);
        reject(err);
      }, job.timeoutMs);
    });
    run.catch(() => undefined); // a handler failing after its timeout must not become an unhandled rejection
    return await Promise.race([run, timedOut]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
