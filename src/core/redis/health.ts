import type { Engine } from '../engine.js';

/** What `health()` found. */
export interface RedisHealth {
  /** true when Redis answered a PING within the timeout */
  up: boolean;
  /** where the client connects (never the password) */
  address: string;
  /** the round trip, when up */
  latencyMs?: number;
  /** why it is down */
  reason?: string;
}

/**
 * Whether Redis answers a PING within `timeoutMs`, without waiting out ioredis's retries (a Redis known to be down is
 * reported at once); `closed`: the client was closed.
 */
export async function redisHealth(engine: Engine, closed: boolean, timeoutMs: number): Promise<RedisHealth> {
  const availability = engine.availability;
  const address = availability.address;
  if (closed) return { up: false, address, reason: 'the client is closed' };
  if (availability.isDown) return { up: false, address, reason: availability.reason ?? `the connection is ${engine.redis.status}` };
  const started = performance.now();
  // still connecting (an app checked right after start): wait for it, within the same timeout
  if (!availability.isReady) {
    try {
      await availability.whenReady(timeoutMs);
    } catch {
      return { up: false, address, reason: availability.reason ?? `not connected within ${timeoutMs} ms` };
    }
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      engine.redis.ping(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer to PING within ${timeoutMs} ms`)), timeoutMs))),
    ]);
    return { up: true, address, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
  } catch (err) {
    return { up: false, address, reason: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
