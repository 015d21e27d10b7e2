// The engine's API: what the faces (src/nest, and the HTTP API, command line, dashboard and metrics to come) import.
// The package's public names are those src/index.ts re-exports.
export { DEFAULTS } from './model/defaults.js';
export { toMs, FOREVER, type Duration } from './model/duration.js';
export * from './model/errors.js';
export { HandlerRegistry, type JobHandlerDefinition, type JobCallbackDefinition, type PayloadClass } from './model/handler-registry.js';
export { JobHandle } from './model/job-handle.js';
export { validateJobDefaults } from './model/job-spec.js';
export type { Logger } from './model/logger.js';
export { assertKnownKeys } from './model/known-keys.js';
export { assertQueueName } from './model/names.js';
export { hasValidationRules } from './model/payload-validation.js';
export { QueueClient } from './queue-client.js';
export type { QueueClientOptions } from './client-options.js';
export type { RedisHealth } from './redis/health.js';
export { EventFollower, type EventStreamOption } from './events/event-stream.js';
export * from './events/job-events.js';
export type { ClusterConnectionOptions, ConnectionOption } from './redis/connection.js';
export { validateJobSchedule } from './scheduler/schedule-rule.js';
export type { UpsertOutcome } from './scheduler/schedules.js';
export { isJobThread } from './run/thread-flag.js';
export { runnableFile, threadSetup } from './run/job-threads.js';
export { Worker } from './worker/worker.js';
export { workerLimits, type ThreadOptions, type WorkerOptions } from './worker/worker-options.js';
export * from './model/types.js';
