import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency, Provider, Type } from '@nestjs/common';
import type { ConnectionOption, Duration, EventStreamOption, JobDefaults, Logger, QueueOptions } from '../core/index.js';

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
  /** The queue of a job whose @Job and enqueue call name none. Default 'default'. */
  defaultQueue?: string;
  /** Defaults for every enqueue, overridden by @Job options, overridden by per-call options. */
  defaultJobOptions?: JobDefaults;
  /**
   * Reject unknown job names at enqueue. Default: true when this application runs jobs (it imports
   * QueueConsumerModule, or is in sync mode), since it then knows every handler; false in a producer-only app.
   */
  strictJobNames?: boolean;
  /** Where Jobline logs (failed jobs, Redis unreachable, warnings). Default: Nest's Logger, context 'Jobline'. */
  logger?: Logger;
  /** Longest an enqueue waits for an unreachable Redis before it fails with RedisUnavailableError. Default 5 s. */
  enqueueTimeout?: Duration;
  /** Log each failed job (name, id, queue, error) through `logger`. Default true. */
  logFailedJobs?: boolean;
  /**
   * Also write job events (completed, failed, ...) to a bounded Redis stream per queue, for @QueueEventsListener
   * classes in any process. `true`, or `{ maxLen }` (entries kept per queue, about; default 10,000). Default off.
   */
  eventStream?: EventStreamOption;
  /**
   * Warn (through `logger`) when jobs enqueued here still wait this long after enqueue in a queue no live worker
   * consumes, naming the queue and the fix; checked once per queue a minute at most. `false`: never. Default 10 s.
   */
  noWorkerWarning?: Duration | false;
  /**
   * OpenTelemetry spans through `@opentelemetry/api` when the application has it: a producer span for each enqueue
   * made inside a span (the job carries its W3C traceparent) and a consumer span around each run of such a job.
   * Default true.
   */
  tracing?: boolean;
  /**
   * Replicas an enqueue waits for (Redis WAIT) before it resolves: a number, or `{ replicas, timeout? }`. Default:
   * none (Redis replicates asynchronously). See the README's Redis Cluster section.
   */
  waitForReplicas?: number | { replicas: number; timeout?: Duration };
  /**
   * Options of each queue, by name. `keep`: retention caps of its ended jobs, e.g.
   * `{ emails: { keep: { finished: { count: 10_000, age: '1h' }, failed: { count: 100_000 } } } }`; a `@Job`'s and an
   * enqueue's `keep` override them field by field. Without a count cap, kept jobs grow with the queue's rate until
   * their ttl (a warning at start says so when Redis has no maxmemory). `lanes` (highest first) with optional
   * `weights`, and `rateLimit: { max, per }`: stored in Redis for every process (README "Lanes and rate limits").
   */
  queues?: Record<string, QueueOptions>;
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
  /**
   * Where `@Job(name, { isolate: 'thread' })` handlers run: a pool of worker threads, each of which builds an
   * application context of `export` (a Nest module class) from `module` (an absolute path or file URL, e.g.
   * `new URL('./jobs.module.js', import.meta.url)`), so the handler's provider has its DI there. Name a module that
   * holds the job providers and what they inject; it must not start servers of its own.
   */
  threads?: { module: string | URL; export: string; size?: number };
  /**
   * Turn each consumed queue's inbox (jobs pushed by any Redis client with one RPUSH, README "Enqueue from anywhere")
   * into jobs as entries arrive (one blocking connection per queue). Default true.
   */
  inbox?: boolean;
}

/** Every option name, checked by the compiler against the interfaces (a typo in a user's options is then refused). */
export const QUEUE_MODULE_OPTION_NAMES = Object.keys({
  connection: 1,
  prefix: 1,
  isAsync: 1,
  defaultQueue: 1,
  defaultJobOptions: 1,
  strictJobNames: 1,
  logger: 1,
  enqueueTimeout: 1,
  logFailedJobs: 1,
  eventStream: 1,
  noWorkerWarning: 1,
  tracing: 1,
  waitForReplicas: 1,
  queues: 1,
} satisfies Record<keyof QueueModuleOptions, 1>);

export const CONSUMER_OPTION_NAMES = Object.keys({
  queues: 1,
  concurrency: 1,
  autoStart: 1,
  shutdownTimeout: 1,
  leaseTime: 1,
  threads: 1,
  inbox: 1,
} satisfies Record<keyof ConsumerOptions, 1>);

export const CONSUMER_THREAD_OPTION_NAMES = Object.keys({
  module: 1,
  export: 1,
  size: 1,
} satisfies Record<keyof NonNullable<ConsumerOptions['threads']>, 1>);

/** A class `useClass` / `useExisting` names for QueueModule.forRootAsync. */
export interface QueueModuleOptionsFactory {
  createQueueModuleOptions(): QueueModuleOptions | Promise<QueueModuleOptions>;
}

/** A class `useClass` / `useExisting` names for QueueConsumerModule.forRootAsync. */
export interface ConsumerOptionsFactory {
  createConsumerOptions(): ConsumerOptions | Promise<ConsumerOptions>;
}

/** What `inject` may list: a token, or `{ token, optional: true }` (injected as undefined when nothing provides it). */
export type InjectToken = InjectionToken | OptionalFactoryDependency;

/**
 * What a token injects, so an unannotated `useFactory: (config) => ...` is typed: a class token gives its instance
 * (`| undefined` when optional). A string or symbol token carries no type, so its value is `any`, as in Nest's own
 * factories: the factory's own annotation then types it.
 */
export type Injected<T> = T extends { token: infer U; optional: true }
  ? InjectedValue<U> | undefined
  : T extends { token: infer U }
    ? InjectedValue<U>
    : InjectedValue<T>;
// `any`, deliberately: an untyped token's value is what the factory's own annotation says it is
type InjectedValue<T> = T extends abstract new (...args: never[]) => infer I ? I : any;

/** The factory's parameters, one per `inject` entry, in order. */
export type InjectedArgs<I extends readonly unknown[]> = { -readonly [K in keyof I]: Injected<I[K]> };

/**
 * forRootAsync options, as in @nestjs/bullmq and the rest of Nest: exactly one of `useFactory` (with `inject`),
 * `useClass` or `useExisting` (a provider with a `create...Options()` method).
 */
export interface AsyncOptions<O, F, I extends readonly InjectToken[]> extends Pick<ModuleMetadata, 'imports'> {
  /** Providers passed to `useFactory`, in order. */
  inject?: I;
  useFactory?: (...args: NoInfer<InjectedArgs<I>>) => O | Promise<O>;
  /** A class this module instantiates (with its own injections) and asks for the options. */
  useClass?: Type<F>;
  /** A provider that already exists (in `imports` or globally) and is asked for the options. */
  useExisting?: InjectionToken;
  /** Providers that only the options factory needs. */
  extraProviders?: Provider[];
}

export type QueueModuleAsyncOptions<I extends readonly InjectToken[] = readonly InjectToken[]> = AsyncOptions<QueueModuleOptions, QueueModuleOptionsFactory, I>;
export type ConsumerAsyncOptions<I extends readonly InjectToken[] = readonly InjectToken[]> = AsyncOptions<ConsumerOptions, ConsumerOptionsFactory, I>;

export const ASYNC_OPTION_NAMES = Object.keys({
  imports: 1,
  inject: 1,
  useFactory: 1,
  useClass: 1,
  useExisting: 1,
  extraProviders: 1,
} satisfies Record<keyof AsyncOptions<unknown, unknown, []>, 1>);
