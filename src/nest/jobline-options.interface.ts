import type { ModuleMetadata } from '@nestjs/common';
import type { ConnectionOption, Duration, JobDefaults, Logger } from '../core/index.js';

export interface QueueModuleOptions {
  /**
   * Redis URL, ioredis options or instance (Redis or Cluster), or a Redis Cluster's nodes `{ cluster: [{ host, port }],
   * options? }`. Default: REDIS_URL, else redis://127.0.0.1:6379.
   */
  connection?: ConnectionOption;
  /** Key namespace; two prefixes on one Redis never see each other's jobs. Default 'jobline'. */
  prefix?: string;
  /** false: sync mode, `enqueue` runs the job in the caller's process before it returns. Default true. */
  isAsync?: boolean;
  defaultQueue?: string;
  /** Defaults for every enqueue, overridden by @Job options, overridden by per-call options. */
  defaultJobOptions?: JobDefaults;
  /**
   * Reject unknown job names at enqueue. Default: true when this application runs jobs (it imports
   * QueueConsumerModule, or is in sync mode), since it then knows every handler; false in a producer-only app.
   */
  strictJobNames?: boolean;
  logger?: Logger;
  /**
   * Replicas an enqueue waits for (Redis WAIT) before it resolves: a number, or `{ replicas, timeout? }`. Default:
   * none (Redis replicates asynchronously). See the README's Redis Cluster section.
   */
  waitForReplicas?: number | { replicas: number; timeout?: Duration };
}

export interface QueueModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: (string | symbol | Function)[];
  useFactory: (...args: never[]) => QueueModuleOptions | Promise<QueueModuleOptions>;
}

export interface ConsumerOptions {
  /** Queues to run, in priority order. Default: every queue a discovered @Job handler names. */
  queues?: string[];
  /** Jobs at once per process. Default 10. */
  concurrency?: number;
  /** Start the workers at application bootstrap. Default true; false: call `QueueConsumer.start()` yourself. */
  autoStart?: boolean;
  /** On shutdown, how long running jobs get before they are released back to their queue. Default 30 s. */
  shutdownTimeout?: Duration;
  /** Lease length of a running job (renewed every third of it); a dead worker's jobs are reclaimed after it. Default 30 s. */
  leaseTime?: Duration;
}
