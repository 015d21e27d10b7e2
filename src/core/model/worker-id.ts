import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** A worker's identity in Redis: where it runs, plus a random part so restarts never reuse one. */
export function newWorkerId(kind: 'worker' | 'sync'): string {
  return `${kind}:${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}
