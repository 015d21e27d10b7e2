import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency, Provider, Type } from '@nestjs/common';
import { CLIENT_OPTION_NAMES, type Duration, type Logger, type QueueClientOptions } from '../core/index.js';

/**
 * The options of QueueModule.forRoot: the engine's client options (src/core/client-options.ts, documented there), with
 * the Nest names and defaults for the few that differ, so an option added to the client reaches the module too.
 */
export interface QueueModuleOptions extends Omit<QueueClientOptions, 'registry' | 'strictNames' | 'logger' | 'isAsync'> {
  /** false: sync mode, `enqueue` runs the job in the caller's process before it returns. Default true. */
  isAsync?: boolean;
  /**
   * Reject unknown job names at enqueue. Default: true when this application runs jobs (it imports
   * QueueConsumerModule, or is in sync mode), since it then knows every handler; false in a producer-only app.
   */
  strictJobNames?: boolean;
  /** Where Jobline logs (failed jobs, Redis unreachable, warnings). Default: Nest's Logger, context 'Jobline'. */
  logger?: Logger;
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

/** The options only the engine's client takes (the module provides the registry and names `strictNames` its own way). */
const CLIENT_ONLY_OPTIONS: readonly string[] = ['registry', 'strictNames'] satisfies Exclude<keyof QueueClientOptions, keyof QueueModuleOptions>[];

/** Every option name: the client's (the interface extends them), less its own, plus the module's own. */
export const QUEUE_MODULE_OPTION_NAMES = [
  ...CLIENT_OPTION_NAMES.filter((name) => !CLIENT_ONLY_OPTIONS.includes(name)),
  ...Object.keys({ strictJobNames: 1 } satisfies Record<Exclude<keyof QueueModuleOptions, keyof QueueClientOptions>, 1>),
];

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
