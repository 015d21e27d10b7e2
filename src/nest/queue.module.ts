import { Logger, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { assertKnownKeys, HandlerRegistry, QueueClient } from '../core/index.js';
import { asyncOptionsProviders } from './async-options.js';
import { JOBLINE_CLIENT, JOBLINE_MODULE_OPTIONS } from './jobline.constants.js';
import { EventsExplorer } from './events-explorer.js';
import { JobExplorer } from './job-explorer.js';
import { JoblineMetadataAccessor } from './jobline-metadata.accessor.js';
import { QUEUE_MODULE_OPTION_NAMES, type InjectToken, type QueueModuleAsyncOptions, type QueueModuleOptions } from './jobline-options.interface.js';
import { QueueHealthIndicator } from './queue-health.indicator.js';
import { QueueService } from './queue.service.js';

/** The engine's client, made from the module options and the handlers this application declares. */
const client: Provider = {
  provide: JOBLINE_CLIENT,
  useFactory: (options: QueueModuleOptions, registry: HandlerRegistry) => {
    const { strictJobNames, logger, ...rest } = options;
    // Nest's Logger, so Jobline's lines (failed jobs, Redis unreachable) look like the application's own
    return new QueueClient({ ...rest, logger: logger ?? new Logger('Jobline'), registry, strictNames: strictJobNames });
  },
  inject: [JOBLINE_MODULE_OPTIONS, HandlerRegistry],
};

const shared: Provider[] = [HandlerRegistry, JoblineMetadataAccessor, JobExplorer, EventsExplorer, client, QueueService, QueueHealthIndicator];
const exported = [QueueService, QueueHealthIndicator, JOBLINE_CLIENT, HandlerRegistry, JobExplorer, JOBLINE_MODULE_OPTIONS];

/** Refuses what is not QueueModuleOptions (a typo'd option included) when the module is made. */
function checkOptions(options: unknown, where: string): asserts options is QueueModuleOptions {
  assertKnownKeys(options, where, QUEUE_MODULE_OPTION_NAMES);
}

/**
 * The producer side, global: provides QueueService everywhere. It discovers @Job handlers (for their defaults,
 * payload validation and sync mode) but never runs jobs itself: that is QueueConsumerModule's work.
 */
@Module({})
export class QueueModule {
  static forRoot(options: QueueModuleOptions = {}): DynamicModule {
    checkOptions(options, 'QueueModule.forRoot');
    return {
      module: QueueModule,
      global: true,
      imports: [DiscoveryModule],
      providers: [{ provide: JOBLINE_MODULE_OPTIONS, useValue: options }, ...shared],
      exports: exported,
    };
  }

  /**
   * Options made by other providers: `{ imports?, inject?, useFactory }`, `{ imports?, useClass }` or
   * `{ imports?, useExisting }` (a QueueModuleOptionsFactory). `inject` takes tokens or `{ token, optional: true }`.
   */
  static forRootAsync<const I extends readonly InjectToken[] = []>(options: QueueModuleAsyncOptions<I>): DynamicModule {
    const providers = asyncOptionsProviders(JOBLINE_MODULE_OPTIONS, 'QueueModule.forRootAsync', options, (f) => f.createQueueModuleOptions(), (o) =>
      checkOptions(o, 'QueueModule.forRootAsync factory'),
    );
    return {
      module: QueueModule,
      global: true,
      imports: [DiscoveryModule, ...(options.imports ?? [])],
      providers: [...providers, ...shared],
      exports: exported,
    };
  }
}
