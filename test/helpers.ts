import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The private test Redis started by test/setup/global-setup.js. */
export function redisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: run the tests through `npm test`, which starts redis-server');
  return url;
}

/** A key prefix no other test uses, so test files never see each other's jobs. */
export function uniquePrefix(label: string): string {
  return `t-${label}-${randomBytes(3).toString('hex')}`;
}

export function rawRedis(): Redis {
  return new Redis(redisUrl());
}

/** Resolves after `ms`. Only for letting time pass in TTL/lease tests, never to wait for a job. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A promise with its resolve function, to wait for an event a handler reports. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves once `cond()` holds, checking every 20 ms; fails naming `what` after `ms`. For outcomes that take time. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
