import { Module, type DynamicModule } from '@nestjs/common';
import { JOBLINE_CONSUMER_OPTIONS } from './jobline.constants.js';
import type { ConsumerOptions } from './jobline-options.interface.js';
import { QueueConsumer } from './queue-consumer.js';

/** Runs the application's @Job handlers. Needs QueueModule.forRoot (or forRootAsync) in the same application. */
@Module({})
export class QueueConsumerModule {
  static forRoot(options: ConsumerOptions = {}): DynamicModule {
    QueueConsumer.check(options);
    return {
      module: QueueConsumerModule,
      providers: [{ provide: JOBLINE_CONSUMER_OPTIONS, useValue: options }, QueueConsumer],
      exports: [QueueConsumer],
    };
  }
}
