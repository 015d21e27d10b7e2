import type { ServeMount } from '../core/index.js';
import { JobMetrics } from './job-metrics.js';

/** The metrics in `jobline serve`: GET /metrics, queue gauges refreshed from Redis every 5 s. */
export const metricsServeMount: ServeMount = {
  name: 'metrics',
  async mount({ client }) {
    const metrics = new JobMetrics(client, { refreshInterval: '5s' });
    await metrics.refresh();
    return {
      close: () => metrics.close(),
      routes: [
        {
          method: 'GET',
          path: '/metrics',
          auth: false,
          describe: 'Prometheus metrics (queue gauges from Redis; counters of this process)',
          async handle(_req, res) {
            const { contentType, body } = await metrics.scrape();
            res.writeHead(200, { 'Content-Type': contentType }).end(body);
          },
        },
      ],
    };
  },
};
