export { DEFAULTS } from './defaults.js';
export { toMs, FOREVER, type Duration } from './duration.js';
export * from './errors.js';
export { HandlerRegistry, type JobHandlerDefinition, type PayloadClass } from './handler-registry.js';
export { JobHandle } from './job-handle.js';
export { QueueClient, type QueueClientOptions, type Logger } from './queue-client.js';
export type { ConnectionOption } from './connection.js';
export { Worker, JobReleasedError, type WorkerOptions } from './worker.js';
export * from './types.js';
