export { Job, type JobMetadata, type JobOptions } from './job.decorator.js';
export { JobCallback } from './job-callback.decorator.js';
export { QueueModule } from './queue.module.js';
export { QueueConsumerModule } from './queue-consumer.module.js';
export { QueueConsumer } from './queue-consumer.js';
export { QueueService } from './queue.service.js';
export { TypedJob, type HandlerMethods, type JobDataOf, type JobResultOf, type TypedEnqueueArgs } from './typed-job.js';
export { QueueHealthIndicator, type QueueHealthDetails, type QueueHealthResult } from './queue-health.indicator.js';
export { OnJobEvent, OnQueueEvent, QueueEventsListener } from './job-event.decorators.js';
export { JOBLINE_MODULE_OPTIONS, JOBLINE_CONSUMER_OPTIONS, JOBLINE_CLIENT } from './jobline.constants.js';
export type {
  QueueModuleOptions,
  QueueModuleAsyncOptions,
  QueueModuleOptionsFactory,
  ConsumerOptions,
  ConsumerAsyncOptions,
  ConsumerOptionsFactory,
  AsyncOptions,
  InjectToken,
  Injected,
  InjectedArgs,
} from './jobline-options.interface.js';
