import { JobFailedError, JobNotFoundError } from '../../src/index.js';
import type { Expected, Planned } from './scenario.js';
import { show } from './table.js';

/** A planned job as it ended: its final status, its result or error as text, and how long it ran. */
export type Settled<P extends Planned = Planned> = P & {
  status: Expected;
  outcome: string;
  tookMs: number | null;
};

/** Waits for one job to end and reads back how it ended. Never throws for a job that failed: that is data here. */
export async function settle<P extends Planned>(job: P): Promise<Settled<P>> {
  let outcome: string;
  try {
    outcome = show(await job.handle.result({ timeout: '10s' }));
  } catch (err) {
    if (err instanceof JobFailedError) outcome = `${err.errorName}: ${err.errorMessage}`;
    else outcome = `UNEXPECTED ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
  }
  try {
    const info = await job.handle.info();
    const tookMs = info.startedAt && info.endedAt ? info.endedAt.getTime() - info.startedAt.getTime() : null;
    return { ...job, status: info.status, outcome, tookMs };
  } catch (err) {
    if (!(err instanceof JobNotFoundError)) throw err;
    return { ...job, status: 'deleted', outcome, tookMs: null };
  }
}

/** The "ran" cell of a table row. */
export function ran(s: Settled): string {
  return s.tookMs === null ? '-' : `${s.tookMs}ms`;
}
