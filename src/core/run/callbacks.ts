import { CallbackTimeoutError } from '../model/errors.js';
import type { CallbackKind, CallbackSet } from '../model/callback-set.js';
import type { HandlerRegistry } from '../model/handler-registry.js';
import type { JobSnapshot, JsonObject } from '../model/types.js';

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
        timer = setTimeout(() => reject(new CallbackTimeoutError(`${kind} callback "${name}" exceeded its timeout of ${timeoutMs / 1000}s.`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a callback is told about a job known only by its stored fields; undecodable text is passed on as it is. */
export function snapshotOf(id: string, name: string, queue: string, data: string, attempt: number, meta: string, willRetry: boolean): JobSnapshot {
  return { id, name, queue, data: lenientJson(data), attempt, meta: (lenientJson(meta) ?? {}) as JsonObject, willRetry };
}

function lenientJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}
