import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { pathToFileURL } from 'node:url';
import {
  assertKnownKeys,
  assertQueueName,
  HandlerRegistry,
  InvalidOptionError,
  isJobThread,
  QueueClient,
  runnableFile,
  threadSetup,
  Worker,
  workerLimits,
  type ThreadOptions,
} from '../core/index.js';
import { JOBLINE_CLIENT, JOBLINE_CONSUMER_OPTIONS } from './jobline.constants.js';
import { JobExplorer } from './job-explorer.js';
import { CONSUMER_OPTION_NAMES, CONSUMER_THREAD_OPTION_NAMES, type ConsumerOptions } from './jobline-options.interface.js';

/**
 * Runs the discovered @Job handlers: one Worker per process over the consumed queues. Starts at application
 * bootstrap (never earlier) and stops gracefully when the application closes.
 */
@Injectable()
export class QueueConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private worker: Worker | null = null;

  constructor(
    @Inject(JOBLINE_CONSUMER_OPTIONS) private readonly options: ConsumerOptions,
    @Inject(JOBLINE_CLIENT) private readonly client: QueueClient,
    private readonly registry: HandlerRegistry,
    private readonly explorer: JobExplorer,
  ) {}

  /** The queues this consumer runs: the configured ones, else every queue a handler names. */
  queues(): string[] {
    if (this.options.queues) return this.options.queues;
    const names = new Set<string>();
    for (const name of this.registry.names()) names.add(this.registry.get(name)!.defaults.queue ?? this.client.defaultQueue);
    if (!names.size) names.add(this.client.defaultQueue);
    return [...names];
  }

  async onApplicationBootstrap(): Promise<void> {
    this.explorer.explore();
    this.client.handlersComplete();
    // inside a job thread this context only lends its handlers (thread-setup.ts): the main thread runs the worker
    if (isJobThread()) return;
    await this.registerSchedules();
    if (this.options.autoStart !== false) this.start();
  }

  /**
   * Registers the schedule of each `@Job` this consumer runs (its queue is consumed here), with the job's name as its
   * id: every process of the app does, and the same rule registered again keeps its next tick.
   */
  async registerSchedules(): Promise<void> {
    const queues = new Set(this.queues());
    for (const name of this.registry.names()) {
      const def = this.registry.get(name)!;
      if (!def.schedule || !queues.has(def.defaults.queue ?? this.client.defaultQueue)) continue;
      const { data, ...rule } = def.schedule;
      await this.client.upsertSchedule(name, rule, name, data);
    }
  }

  /** Starts the worker (once). Use it with `autoStart: false`. */
  start(): void {
    if (this.worker) return;
    this.worker = new Worker(this.client, this.registry, {
      queues: this.queues(),
      concurrency: this.options.concurrency,
      shutdownTimeout: this.options.shutdownTimeout,
      leaseTime: this.options.leaseTime,
      threads: this.threads(),
      inbox: this.options.inbox,
    });
    this.worker.start();
  }

  /** The worker's thread setup: thread-setup.ts builds the named module in each thread. */
  private threads(): ThreadOptions | undefined {
    const t = this.options.threads;
    if (!t) return undefined;
    const module = t.module instanceof URL ? t.module.href : t.module.startsWith('file:') ? t.module : pathToFileURL(t.module).href;
    return {
      module: runnableFile(new URL('./thread-setup.js', import.meta.url)),
      export: 'setupNestThread',
      size: t.size,
      data: { module, export: t.export },
    };
  }

  get workerId(): string | null {
    return this.worker?.id ?? null;
  }

  /** Stops fetching, waits for running jobs up to shutdownTimeout, releases the rest. */
  async close(): Promise<void> {
    await this.worker?.close();
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  /** Validates options at module creation, so mistakes fail at start. */
  static check(options: ConsumerOptions, where = 'QueueConsumerModule.forRoot'): void {
    assertKnownKeys(options, where, CONSUMER_OPTION_NAMES);
    if (options.autoStart !== undefined && typeof options.autoStart !== 'boolean') {
      throw new InvalidOptionError('autoStart', options.autoStart, 'true or false');
    }
    if (options.queues !== undefined) {
      if (!Array.isArray(options.queues) || options.queues.length === 0) {
        throw new InvalidOptionError('queues', options.queues, 'a non-empty array of queue names (or leave it out to run every queue a handler names)');
      }
      options.queues.forEach((q) => assertQueueName(q));
    }
    workerLimits(options);
    if (options.threads !== undefined) {
      if (options.threads === null || typeof options.threads !== 'object' || Array.isArray(options.threads)) {
        throw new InvalidOptionError('threads', options.threads, '{ module, export, size? }: the file and the name of the Nest module each job thread builds');
      }
      assertKnownKeys(options.threads, `${where} threads`, CONSUMER_THREAD_OPTION_NAMES);
      if (typeof options.threads.export !== 'string' || options.threads.export === '') {
        throw new InvalidOptionError('threads.export', options.threads.export, 'the name of the Nest module (its exported class) each job thread builds');
      }
      threadSetup(options.threads);
    }
  }
}
