import { Module, type DynamicModule } from '@nestjs/common';
import { asyncOptionsProviders } from './async-options.js';
import { JOBLINE_CONSUMER_OPTIONS } from './jobline.constants.js';
import type { ConsumerAsyncOptions, ConsumerOptions, InjectToken } from './jobline-options.interface.js';
import { QueueConsumer } from './queue-consumer.js';

/** Runs the application's @Job handlers. Needs QueueModule.forRoot (or forRootAsync) in the same application. */
@Module({})
export class QueueConsumerModule {
  static forRoot(options: ConsumerOptions = {}): DynamicModule {
    QueueConsumer.check(options, 'QueueConsumerModule.forRoot');
    return {
      module: QueueConsumerModule,
      providers: [{ provide: JOBLINE_CONSUMER_OPTIONS, useValue: options }, QueueConsumer],
      exports: [QueueConsumer],
    };
  }

  /** Consumer options made by other providers, in the same three forms as QueueModule.forRootAsync. */
  static forRootAsync<const I extends readonly InjectToken[] = []>(options: ConsumerAsyncOptions<I>): DynamicModule {
    const providers = asyncOptionsProviders(JOBLINE_CONSUMER_OPTIONS, 'QueueConsumerModule.forRootAsync', options, (f) => f.createConsumerOptions(), (o) =>
      QueueConsumer.check(o, 'QueueConsumerModule.forRootAsync factory'),
    );
    return {
      module: QueueConsumerModule,
      imports: [...(options.imports ?? [])],
      providers: [...providers, QueueConsumer],
      exports: [QueueConsumer],
    };
  }
}
