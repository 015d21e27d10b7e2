import type { Metrics, RunOutcome } from './types.js';

export function ok(metrics: Metrics): RunOutcome {
  return { kind: 'ok', metrics };
}

/** The contender cannot run this scenario; the report prints "n/a (reason)" instead of a figure. */
export function na(reason: string): RunOutcome {
  return { kind: 'na', reason };
}

/** jobs per second from a count and a duration in milliseconds. */
export function rate(jobs: number, ms: number): number {
  return (jobs / ms) * 1000;
}
