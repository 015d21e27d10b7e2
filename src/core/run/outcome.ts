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

/** A failed run: for good, or (with a decision to retry) to run again after its delay. */
export function failure(err: unknown, callbackError?: unknown, decision?: RetryDecision): Outcome {
  const info = errorInfo(err);
  if (callbackError !== undefined) info.callbackError = errorInfo(callbackError);
  if (decision?.retry) return { kind: 'retry', payload: JSON.stringify(info), retryDelayMs: decision.delayMs };
  return { kind: 'failed', payload: JSON.stringify(info) };
}
