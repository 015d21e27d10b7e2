import { DEFAULTS } from '../model/defaults.js';
import { toMs, type Duration } from '../model/duration.js';
import { InvalidOptionError } from '../model/errors.js';
import type { JsonValue } from '../model/types.js';

export interface WorkerOptions {
  /** Queues to take jobs from, in priority order. */
  queues: string[];
  /** Jobs run at once in this process. Default 10. */
  concurrency?: number;
  /** How long this worker's lease (on all the jobs it runs) lasts without renewal. Default 30 s; renewed every third of it. */
  leaseTime?: Duration;
  /** On close, how long running jobs get to finish before they are released back to their queue. Default 30 s. */
  shutdownTimeout?: Duration;
  /** Longest single blocking wait for work, so shutdown and maintenance are noticed. Default 1 s. */
  blockTime?: Duration;
  /** Where handlers marked `isolate: 'thread'` run: a pool of worker threads, each set up by a module (see ThreadOptions). */
  threads?: ThreadOptions;
  /**
   * Turn each queue's inbox (jobs pushed by any Redis client, README "Enqueue from anywhere") into jobs as entries
   * arrive, on one blocking connection per queue. Default true; false: this worker leaves the inbox to others.
   */
  inbox?: boolean;
}

/**
 * The worker-thread pool of a Worker. Each thread imports `module` and calls its export `(registry, data)`, which
 * registers the handlers the thread can run (the same functions as in the main thread, or, for Nest, the handlers of
 * an application context it builds). Jobs travel as JSON data; the handler's result and error come back the same way.
 */
export interface ThreadOptions {
  /** An absolute path or a file URL of the setup module. */
  module: string | URL;
  /** The export to call, `(registry: HandlerRegistry, data?: JsonValue) => void | Promise<void>`. Default 'default'. */
  export?: string;
  /** JSON handed to that function. */
  data?: JsonValue;
  /** Most threads (so most isolated jobs running at once; others wait for a thread). Default: CPU cores - 1, at least 1. */
  size?: number;
}

/** ThreadOptions' names, checked by the compiler against the interface (a typo such as `siz` is then refused). */
export const THREAD_OPTION_NAMES = Object.keys({ module: 1, export: 1, data: 1, size: 1 } satisfies Record<keyof ThreadOptions, 1>);

/**
 * Validates a worker's concurrency, leaseTime and shutdownTimeout and gives them in milliseconds, with their defaults.
 * QueueConsumerModule.forRoot calls it too, so a bad value stops the app when the module is made, not at bootstrap.
 */
export function workerLimits(options: Pick<WorkerOptions, 'concurrency' | 'leaseTime' | 'shutdownTimeout'>): {
  concurrency: number;
  leaseMs: number;
  shutdownMs: number;
} {
  const concurrency = options.concurrency ?? DEFAULTS.CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
    throw new InvalidOptionError('concurrency', options.concurrency, 'a whole number from 1 to 10000');
  }
  const leaseMs = options.leaseTime === undefined ? DEFAULTS.LEASE_MS : toMs('leaseTime', options.leaseTime);
  if (leaseMs < 300) throw new InvalidOptionError('leaseTime', options.leaseTime, 'at least 300ms');
  const shutdownMs =
    options.shutdownTimeout === undefined ? DEFAULTS.SHUTDOWN_TIMEOUT_MS : toMs('shutdownTimeout', options.shutdownTimeout, { allowZero: true });
  return { concurrency, leaseMs, shutdownMs };
}
