/**
 * Calls `task(i)` for i in [0, count) with at most `inFlight` calls pending at once: the "50 enqueues in flight"
 * shape of a busy web server, as opposed to one sequential caller (latency-bound) or all at once (unrealistic).
 */
export async function runPool(count: number, inFlight: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane));
}

/** Calls `task(from, to)` for consecutive slices of [0, count), one slice after the other. */
export async function inBatches(count: number, size: number, task: (from: number, to: number) => Promise<unknown>): Promise<void> {
  for (let from = 0; from < count; from += size) await task(from, Math.min(count, from + size));
}
