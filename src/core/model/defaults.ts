/** Defaults shared by the TypeScript side and the Lua scripts (injected into each script by scripts.ts). */
export const DEFAULTS = {
  TIMEOUT_MS: 180_000,
  RESULT_TTL_MS: 500_000,
  FAILURE_TTL_MS: 365 * 86_400_000,
  MAX_ATTEMPTS: 3,
  /** How long a worker's lease on its running jobs lasts before another worker may reclaim them; renewed every third of it. */
  LEASE_MS: 30_000,
  CALLBACK_TIMEOUT_MS: 60_000,
  /** How long a queue's "someone waits on result()" flag lasts; a waiter renews it every third of that. */
  WAITING_FLAG_MS: 60_000,
  QUEUE: 'default',
  PREFIX: 'jobline',
  CONCURRENCY: 10,
  SHUTDOWN_TIMEOUT_MS: 30_000,
  /**
   * Jobs per enqueue script call: large enough to amortise the call, small enough that Redis stores one chunk while
   * this process packs and sends the next (bench/results/tuning.md).
   */
  ENQUEUE_CHUNK: 250,
  /**
   * How long a fence keeps a caller-chosen id from being created in a queue that no longer holds it in the id index
   * (job-id-index.ts): far longer than any enqueue call takes, even one retried through a failover.
   */
  ID_FENCE_TTL_MS: 300_000,
  /** A reservation of a caller-chosen id this old whose job was never stored may be taken over (its producer died). */
  ID_RESERVATION_STALE_MS: 10_000,
  /**
   * On a cluster, how long a script refused while its queue's slot migrates (TRYAGAIN) is tried again before the call
   * fails (ioredis's own redirection budget is a few seconds).
   */
  CLUSTER_RETRY_MS: 60_000,
} as const;
