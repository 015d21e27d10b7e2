import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { HandlerRegistry, InvalidOptionError, QueueClient } from '../core/index.js';
import { JOBLINE_CLIENT, JOBLINE_MODULE_OPTIONS } from './jobline.constants.js';
import { JobExplorer } from './job-explorer.js';
import { JoblineMetadataAccessor } from './jobline-metadata.accessor.js';
import type { QueueModuleAsyncOptions, QueueModuleOptions } from './jobline-options.interface.js';
import { QueueService } from './queue.service.js';

/** The engine's client, made from the module options and the handlers this application declares. */
const client: Provider = {
  provide: JOBLINE_CLIENT,
  useFactory: (options: QueueModuleOptions, registry: HandlerRegistry) => {
    const { strictJobNames, ...rest } = options ?? {};
    return new QueueClient({ ...rest, registry, strictNames: strictJobNames });
  },
  inject: [JOBLINE_MODULE_OPTIONS, HandlerRegistry],
};

const shared: Provider[] = [HandlerRegistry, JoblineMetadataAccessor, JobExplorer, client, QueueService];

/**
 * The producer side, global: provides QueueService everywhere. It discovers @Job handlers (for their defaults,
 * payload validation and sync mode) but never runs jobs itself: that is QueueConsumerModule's work.
 */
@Module({})
export class QueueModule {
  static forRoot(options: QueueModuleOptions = {}): DynamicModule {
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionError('QueueModule.forRoot options', options, 'an object of QueueModuleOptions');
    }
    return {
      module: QueueModule,
      global: true,
      imports: [DiscoveryModule],
      providers: [{ provide: JOBLINE_MODULE_OPTIONS, useValue: options }, ...shared],
      exports: [QueueService, JOBLINE_CLIENT, HandlerRegistry, JobExplorer, JOBLINE_MODULE_OPTIONS],
    };
  }

  static forRootAsync(options: QueueModuleAsyncOptions): DynamicModule {
    if (!options || typeof options.useFactory !== 'function') {
      throw new InvalidOptionError('QueueModule.forRootAsync options', options, '{ imports?, inject?, useFactory }');
    }
    return {
      module: QueueModule,
      global: true,
      imports: [DiscoveryModule, ...(options.imports ?? [])],
      providers: [
        { provide: JOBLINE_MODULE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
        ...shared,
      ],
      exports: [QueueService, JOBLINE_CLIENT, HandlerRegistry, JobExplorer, JOBLINE_MODULE_OPTIONS],
    };
  }
}
