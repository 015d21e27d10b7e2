import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { HandlerRegistry } from '../core/handler-registry.js';
import { QueueClient } from '../core/queue-client.js';
import { JOBLINE_MODULE_OPTIONS } from './jobline.constants.js';
import type { QueueModuleOptions } from './jobline-options.interface.js';

/**
 * The injectable queue: `enqueue`, `enqueueMany`, `getJob`, registries and counts (see QueueClient).
 * Its Redis connections close when the application shuts down.
 */
@Injectable()
export class QueueService extends QueueClient implements OnApplicationShutdown {
  constructor(@Inject(JOBLINE_MODULE_OPTIONS) options: QueueModuleOptions, registry: HandlerRegistry) {
    const { strictJobNames, ...rest } = options ?? {};
    super({ ...rest, registry, strictNames: strictJobNames });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
