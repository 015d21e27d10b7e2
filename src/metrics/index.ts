export { JobMetrics, type JobMetricsOptions, type MetricsRegistry } from './job-metrics.js';
export { QueueMetricsModule, type QueueMetricsModuleOptions } from './queue-metrics.module.js';
export { metricsServeMount } from './serve-mount.js';
