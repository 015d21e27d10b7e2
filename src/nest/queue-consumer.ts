import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { assertKnownKeys, assertQueueName, HandlerRegistry, InvalidOptionError, QueueClient, Worker, workerLimits } from '../core/index.js';
import { JOBLINE_CLIENT, JOBLINE_CONSUMER_OPTIONS } from './jobline.constants.js';
import { JobExplorer } from './job-explorer.js';
import { CONSUMER_OPTION_NAMES, type ConsumerOptions } from './jobline-options.interface.js';

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

  onApplicationBootstrap(): void {
    this.explorer.explore();
    this.client.handlersComplete();
    if (this.options.autoStart !== false) this.start();
  }

  /** Starts the worker (once). Use it with `autoStart: false`. */
  start(): void {
    if (this.worker) return;
    this.worker = new Worker(this.client, this.registry, {
      queues: this.queues(),
      concurrency: this.options.concurrency,
      shutdownTimeout: this.options.shutdownTimeout,
      leaseTime: this.options.leaseTime,
    });
    this.worker.start();
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
  }
}
