/** DI tokens and metadata keys. Tokens are symbols so they never clash with a user's providers. */
export const JOBLINE_MODULE_OPTIONS = Symbol('JOBLINE_MODULE_OPTIONS');
export const JOBLINE_CONSUMER_OPTIONS = Symbol('JOBLINE_CONSUMER_OPTIONS');
/** The engine's QueueClient behind QueueService, shared with the consumer (which makes its Worker from it). */
export const JOBLINE_CLIENT = Symbol('JOBLINE_CLIENT');
export const JOB_METADATA = 'jobline:job';
export const JOB_CALLBACK_METADATA = 'jobline:job-callback';
export const ON_JOB_EVENT_METADATA = 'jobline:on-job-event';
export const ON_QUEUE_EVENT_METADATA = 'jobline:on-queue-event';
export const QUEUE_EVENTS_LISTENER_METADATA = 'jobline:queue-events-listener';
