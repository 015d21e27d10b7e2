export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A benchmark run that stalls (a lost job never finishes) must fail with a message, not hang the whole command. */
export class StallError extends Error {}

/** Polls `done` every `everyMs` until it is true; throws StallError after `timeoutMs`. Only off the hot path. */
export async function waitUntil(what: string, done: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 1): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await done())) {
    if (performance.now() > deadline) throw new StallError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Rejects with StallError if `promise` has not settled within `timeoutMs`. */
export async function within<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StallError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A promise with its resolve function, for "the handler saw the last job" moments. */
export function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Generous bound for `jobs` jobs to run, so a lost job fails the run with a message instead of hanging it. */
export function stallBudgetMs(jobs: number): number {
  return 60_000 + jobs;
}
