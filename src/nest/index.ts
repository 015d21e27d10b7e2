export { Job, type JobMetadata, type JobOptions } from './job.decorator.js';
export { JobCallback } from './job-callback.decorator.js';
export { QueueModule } from './queue.module.js';
export { QueueConsumerModule } from './queue-consumer.module.js';
export { QueueConsumer } from './queue-consumer.js';
export { QueueService } from './queue.service.js';
export { JOBLINE_MODULE_OPTIONS, JOBLINE_CONSUMER_OPTIONS, JOBLINE_CLIENT } from './jobline.constants.js';
export type { QueueModuleOptions, QueueModuleAsyncOptions, ConsumerOptions } from './jobline-options.interface.js';
