import type { EventJob, JobEvents } from '../events/job-events.js';
import type { RetryDecision } from '../scheduler/retry-policy.js';
import type { JobErrorInfo } from '../model/types.js';

/**
 * What running a job came to: finished with an encoded result, or failed with an encoded error, for good or to run
 * again (`retry`) after `retryDelayMs`.
 */
export interface Outcome {
  kind: 'finished' | 'failed' | 'retry';
  payload: string;
  retryDelayMs?: number;
}

export function errorInfo(err: unknown, withStack = true): JobErrorInfo {
  if (err instanceof Error) return withStack ? { name: err.name, message: err.message, stack: storedStack(err.stack) } : { name: err.name, message: err.message };
  return { name: 'Error', message: typeof err === 'string' ? err : safeString(err) };
}

/** Jobline's own code (src/ or dist/ of the package, as this file runs from), in stack frames. */
const OWN_CODE = new URL('../../', import.meta.url).href;
const OWN_PATH = OWN_CODE.startsWith('file://') ? decodeURIComponent(new URL(OWN_CODE).pathname) : OWN_CODE;

/**
 * A stack as a failed job keeps it: without the frames of Jobline's own code (the runner, the fetch loop) and of
 * Node's internals, which say nothing about the failure and made up about half of a failed job's bytes, and kept
 * its hash from Redis's compact encoding longer (bench/results/retention.md). A stack of nothing but such frames (an
 * error of Jobline's own) is kept whole.
 */
export function storedStack(stack: string | undefined): string | undefined {
  if (stack === undefined) return undefined;
  const lines = stack.split('\n');
  const kept = lines.filter((l) => !isFrame(l) || !(l.includes(OWN_CODE) || l.includes(OWN_PATH) || l.includes('(node:internal/') || l.includes(' node:internal/')));
  if (kept.length === lines.length || !kept.some(isFrame)) return stack;
  return kept.join('\n');
}

function isFrame(line: string): boolean {
  return line.trimStart().startsWith('at ');
}

function safeString(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * A failed run: for good, or (with a decision to retry) to run again after its delay. A retried run's error is kept
 * without its stack (formatting a stack costs more than a short job's run; onFailure gets the Error itself); the
 * final failure keeps it.
 */
export function failure(err: unknown, callbackError?: unknown, decision?: RetryDecision): Outcome {
  const retry = decision?.retry === true;
  const info = errorInfo(err, !retry);
  if (callbackError !== undefined) info.callbackError = errorInfo(callbackError, !retry);
  if (retry) return { kind: 'retry', payload: JSON.stringify(info), retryDelayMs: decision!.delayMs };
  return { kind: 'failed', payload: JSON.stringify(info) };
}

/** Tells `events` how a run ended, once its outcome is written: completed, failed for good, or retrying. */
export function reportOutcome(events: JobEvents, job: EventJob, workerId: string, outcome: Outcome): void {
  if (outcome.kind === 'finished') events.completed(job, workerId, outcome.payload);
  else if (outcome.kind === 'failed') events.failed(job, workerId, outcome.payload);
  else if (events.wants.retrying) events.retrying(job, workerId, JSON.parse(outcome.payload) as JobErrorInfo, outcome.retryDelayMs ?? 0);
}
