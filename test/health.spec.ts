import 'reflect-metadata';
import { Controller, Get, Module, ServiceUnavailableException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { QueueHealthIndicator, QueueModule, type ConnectionOption } from '../src/index.js';
import { freePort } from '../scripts/redis-server.mjs';
import { clusterNodes, onCluster, redisUrl, testConnection, uniquePrefix } from './helpers.js';

// The indicator as a @nestjs/terminus user wires it: a health controller that checks it.
@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly queue: QueueHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.queue.isHealthy('queue')]);
  }
}

async function app(connection: ConnectionOption) {
  @Module({ imports: [TerminusModule.forRoot({ logger: false })], controllers: [HealthController] })
  class HealthModule {}
  const mod = await Test.createTestingModule({ imports: [QueueModule.forRoot({ connection, prefix: uniquePrefix('health'), logger: quiet }), HealthModule] }).compile();
  await mod.init();
  return mod;
}

const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('QueueHealthIndicator with @nestjs/terminus', () => {
  it('reports up with the address and latency while Redis answers', async () => {
    const mod = await app(testConnection());
    try {
      const result = await mod.get(HealthController).check();
      expect(result.status).toBe('ok');
      // a cluster is named by the nodes it was given
      const address = onCluster() ? `cluster ${clusterNodes().map((n) => `${n.host}:${n.port}`).join(',')}` : redisUrl();
      expect(result.info).toEqual({ queue: { status: 'up', address, latencyMs: expect.any(Number) } });
    } finally {
      await mod.close();
    }
  });

  it('reports down (terminus answers 503) naming the address when Redis is unreachable, without waiting out the retries', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const mod = await app(url);
    try {
      const started = Date.now();
      const err = (await mod.get(HealthController).check().catch((e: unknown) => e)) as ServiceUnavailableException;
      expect(err).toBeInstanceOf(ServiceUnavailableException);
      expect(err.getResponse()).toMatchObject({
        status: 'error',
        error: { queue: { status: 'down', address: url, message: expect.stringMatching(new RegExp(`Redis at ${url} is unreachable`)) } },
      });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await mod.close();
    }
  });
});
