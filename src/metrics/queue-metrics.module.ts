import { Controller, Get, Inject, Injectable, Module, Res, type DynamicModule, type OnModuleDestroy } from '@nestjs/common';
import { assertKnownKeys, InvalidOptionError, type QueueClient } from '../core/index.js';
import { JOBLINE_CLIENT } from '../nest/jobline.constants.js';
import { JobMetrics, JOB_METRICS_OPTION_NAMES, type JobMetricsOptions } from './job-metrics.js';

export interface QueueMetricsModuleOptions extends JobMetricsOptions {
  /** The route the metrics are served on. Default 'metrics'. */
  path?: string;
}

const METRICS_OPTIONS = Symbol('JOBLINE_METRICS_OPTIONS');

/** Makes the JobMetrics of the application's client, and stops it when the application closes. */
@Injectable()
class MetricsLifecycle implements OnModuleDestroy {
  constructor(@Inject(JobMetrics) private readonly metrics: JobMetrics) {}

  onModuleDestroy(): void {
    this.metrics.close();
  }
}

/** The scrape endpoint: the registry's text with its content type (Express or Fastify). */
function metricsController(path: string) {
  @Controller(path)
  class JoblineMetricsController {
    constructor(@Inject(JobMetrics) private readonly metrics: JobMetrics) {}

    @Get()
    async scrape(@Res({ passthrough: true }) res: { header?: (k: string, v: string) => unknown; setHeader?: (k: string, v: string) => unknown }): Promise<string> {
      const { contentType, body } = await this.metrics.scrape();
      if (typeof res.setHeader === 'function') res.setHeader('Content-Type', contentType);
      else res.header?.('Content-Type', contentType);
      return body;
    }
  }
  return JoblineMetricsController;
}

/**
 * Prometheus metrics of the application's queues at GET /<path> (default /metrics), with prom-client (an optional
 * peer: install it), in their own registry or the one given. Needs QueueModule (global). See JobMetrics for the
 * metrics.
 */
@Module({})
export class QueueMetricsModule {
  static forRoot(options: QueueMetricsModuleOptions = {}): DynamicModule {
    assertKnownKeys(options, 'QueueMetricsModule.forRoot', ['path', ...JOB_METRICS_OPTION_NAMES]);
    const { path = 'metrics', ...rest } = options;
    if (typeof path !== 'string') throw new InvalidOptionError('path', path, "a route path such as 'metrics'");
    return {
      module: QueueMetricsModule,
      controllers: [metricsController(path)],
      providers: [
        { provide: METRICS_OPTIONS, useValue: rest },
        {
          provide: JobMetrics,
          useFactory: (client: QueueClient, metricsOptions: JobMetricsOptions) => new JobMetrics(client, metricsOptions),
          inject: [JOBLINE_CLIENT, METRICS_OPTIONS],
        },
        MetricsLifecycle,
      ],
      exports: [JobMetrics],
    };
  }
}
