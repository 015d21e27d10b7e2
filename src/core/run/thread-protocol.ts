import type { MessagePort } from 'node:worker_threads';
import type { JobErrorInfo, JsonObject, JsonValue } from '../model/types.js';

/** What the main thread hands a worker thread for one job (job-threads.ts to thread-entry.ts). */
export interface ThreadTask {
  name: string;
  /** The decoded (and validated) data: JSON, so it crosses as a structured clone unchanged. */
  data: unknown;
  job: { id: string; name: string; queue: string; attempt: number; retries: number };
  meta: JsonObject;
  /** The job's own channel: meta saves and progress go up, their answers and an abort come down. */
  port: MessagePort;
}

/** What a worker thread answers: the result as JSON text ('' for undefined), or the error's name, message and stack. */
export type ThreadAnswer = { ok: true; json: string } | { ok: false; error: JobErrorInfo };

/**
 * Up the job's port: a meta patch to save, or a progress value to store, as the JSON the thread checked it into (so
 * the main thread decodes it into objects of its own realm, which its check takes for plain objects).
 */
export type MetaMessage = { t: 'meta'; seq: number; patch: JsonObject } | { t: 'progress'; seq: number; json: string };

/** Down the job's port. */
export type DownMessage = { t: 'meta-done'; seq: number; error?: JobErrorInfo } | { t: 'abort'; error: JobErrorInfo };

/** The setup each thread runs once (ThreadOptions, resolved): workerData.jobline. */
export interface ThreadSetup {
  /** a file URL */
  module: string;
  export: string;
  data?: JsonValue;
}

/** An Error rebuilt from what crossed the thread boundary, keeping the name, message and stack of the original. */
export function errorFrom(info: JobErrorInfo): Error {
  const err = new Error(info.message);
  err.name = info.name;
  if (info.stack !== undefined) err.stack = info.stack;
  return err;
}
