import { Inject, Injectable } from '@nestjs/common';
import { toMs, type Duration, type QueueClient } from '../core/index.js';
import { JOBLINE_CLIENT } from './jobline.constants.js';

/** One key of a health check's result, in the shape @nestjs/terminus reads (`status` 'up' or 'down', details beside). */
export interface QueueHealthDetails {
  status: 'up' | 'down';
  /** where Jobline connects (never the password) */
  address: string;
  /** the PING round trip, when up */
  latencyMs?: number;
  /** why it is down */
  message?: string;
}

export type QueueHealthResult<K extends string> = { [key in K]: QueueHealthDetails };

/**
 * A health indicator for @nestjs/terminus (an optional peer: this class does not import it): `isHealthy(key)`
 * answers `{ [key]: { status: 'up', address, latencyMs } }` when Redis answers a PING in time, else
 * `{ [key]: { status: 'down', address, message } }`, which terminus reports as an error (HTTP 503):
 *
 *   @Get('health') @HealthCheck()
 *   check() { return this.health.check([() => this.queue.isHealthy('queue')]); }
 */
@Injectable()
export class QueueHealthIndicator {
  constructor(@Inject(JOBLINE_CLIENT) private readonly client: QueueClient) {}

  /** Checks that Redis answers within `timeout` (default 1 s; a down Redis is reported at once). */
  async isHealthy<K extends string = 'jobline'>(key: K = 'jobline' as K, options: { timeout?: Duration } = {}): Promise<QueueHealthResult<K>> {
    const timeoutMs = options.timeout === undefined ? 1000 : toMs('timeout', options.timeout);
    const h = await this.client.health(timeoutMs);
    const details: QueueHealthDetails = h.up
      ? { status: 'up', address: h.address, latencyMs: h.latencyMs }
      : { status: 'down', address: h.address, message: `Redis at ${h.address} is unreachable: ${h.reason ?? 'no answer'}` };
    return { [key]: details } as QueueHealthResult<K>;
  }
}
