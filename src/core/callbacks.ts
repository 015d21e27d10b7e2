import { JoblineError } from './errors.js';
import type { HandlerRegistry } from './handler-registry.js';
import type { CallbackSet } from './job-options.js';
import type { JobSnapshot, JsonObject } from './types.js';

/** A callback ran past its timeout (default 60 s, as in RQ). */
export class CallbackTimeoutError extends JoblineError {}

export type CallbackKind = keyof CallbackSet;
const LABEL: Record<CallbackKind, string> = { s: 'onSuccess', f: 'onFailure', p: 'onStopped' };

export function parseCallbackSet(json: string | undefined): CallbackSet {
  if (!json) return {};
  return JSON.parse(json) as CallbackSet;
}

/** Throws UnknownCallbackError for the first callback this process does not know. */
export function checkCallbacks(set: CallbackSet, registry: HandlerRegistry): void {
  for (const entry of Object.values(set)) if (entry) registry.requireCallback(entry[0]);
}

/** Runs the job's callback of `kind` (if it has one) with its timeout; rejects with its error or CallbackTimeoutError. */
export async function runCallback(registry: HandlerRegistry, set: CallbackSet, kind: CallbackKind, job: JobSnapshot, arg?: unknown): Promise<void> {
  const entry = set[kind];
  if (!entry) return;
  const [name, timeoutMs] = entry;
  const def = registry.requireCallback(name);
  let timer: NodeJS.Timeout | undefined;
  const run = Promise.resolve().then(() => def.handle(job, arg));
  run.catch(() => undefined);
  try {
    await Promise.race([
      run,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new CallbackTimeoutError(`${LABEL[kind]} callback "${name}" exceeded its timeout of ${timeoutMs / 1000}s.`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a callback is told about a job known only by its stored fields; undecodable text is passed on as it is. */
export function snapshotOf(id: string, name: string, queue: string, data: string, attempt: number, meta: string): JobSnapshot {
  return { id, name, queue, data: lenientJson(data), attempt, meta: (lenientJson(meta) ?? {}) as JsonObject };
}

function lenientJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}
