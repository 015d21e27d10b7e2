import type { JobErrorInfo } from '../model/types.js';

/** What running a job came to: finished with an encoded result, or failed with an encoded error. */
export interface Outcome {
  kind: 'finished' | 'failed';
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
  return { kind: 'failed', payload: JSON.stringify(info) };
}
