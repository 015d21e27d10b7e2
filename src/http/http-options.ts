import { assertKnownKeys, assertQueueName, InvalidOptionError, toMs, type Duration } from '../core/index.js';
import type { AsyncOptions, InjectToken } from '../nest/index.js';

/** An API key, and the queues it may use (all, when `queues` is left out). */
export interface ApiKeyOption {
  key: string;
  /** The only queues this key may add to and read jobs of; other queues answer 403. */
  queues?: string[];
  /** What logs call this key (never the key itself). Default: `key #<position>`. */
  label?: string;
}

export interface QueueHttpModuleOptions {
  /**
   * The keys a request may give, as `Authorization: Bearer <key>` or `X-API-Key: <key>`: strings (every queue) or
   * `{ key, queues?, label? }`. At least one; each at least 16 characters.
   */
  apiKeys: (string | ApiKeyOption)[];
  /** The routes' prefix. Default 'queue': `POST /queue/add`, `POST /queue/add-batch`, `GET /queue/jobs/:id`, ... */
  path?: string;
  /** Most jobs one add-batch request may carry (more: 413). Default 1000. */
  maxBatch?: number;
  /**
   * Largest request body, in bytes (more: 413). Default 1 MiB. The platform's own body parser must take at least as
   * much (Express's default is 100 kB: `app.useBodyParser('json', { limit: '1mb' })`; Fastify's is 1 MiB).
   */
  maxBodySize?: number;
  /** The queues this API serves; another queue answers 404. Default: any queue (per key, `queues` still limits). */
  queues?: string[];
  /** Longest `?wait=` a result request may ask for. Default 30 s. */
  maxWait?: Duration;
}

export type QueueHttpModuleAsyncOptions<I extends readonly InjectToken[] = readonly InjectToken[]> = AsyncOptions<
  QueueHttpModuleOptions,
  QueueHttpModuleOptionsFactory,
  I
>;

export interface QueueHttpModuleOptionsFactory {
  createQueueHttpModuleOptions(): QueueHttpModuleOptions | Promise<QueueHttpModuleOptions>;
}

export const QUEUE_HTTP_OPTION_NAMES = Object.keys({
  apiKeys: 1,
  path: 1,
  maxBatch: 1,
  maxBodySize: 1,
  queues: 1,
  maxWait: 1,
} satisfies Record<keyof QueueHttpModuleOptions, 1>);

const API_KEY_OPTION_NAMES = Object.keys({ key: 1, queues: 1, label: 1 } satisfies Record<keyof ApiKeyOption, 1>);

/** The options checked and with their defaults. */
export interface HttpSettings {
  keys: { key: string; queues: ReadonlySet<string> | null; label: string }[];
  path: string;
  maxBatch: number;
  maxBodySize: number;
  queues: ReadonlySet<string> | null;
  maxWaitMs: number;
}

const PATH = /^[A-Za-z0-9_.~-]+(?:\/[A-Za-z0-9_.~-]+)*$/;

/** Checks QueueHttpModuleOptions (every problem is an InvalidOptionError naming the option) and applies the defaults. */
export function httpSettings(options: unknown, where: string): HttpSettings {
  assertKnownKeys(options, where, QUEUE_HTTP_OPTION_NAMES);
  const o = options as QueueHttpModuleOptions;
  if (!Array.isArray(o.apiKeys) || o.apiKeys.length === 0) {
    throw new InvalidOptionError('apiKeys', o.apiKeys, 'a non-empty array of keys (strings, or { key, queues?, label? })');
  }
  const keys = o.apiKeys.map((k, i) => {
    if (typeof k !== 'string' && (typeof k !== 'object' || k === null || Array.isArray(k))) {
      // typically an unset environment variable (`process.env.JOBS_API_KEY!`): say a string was expected, not an object
      throw new InvalidOptionError(`apiKeys[${i}]`, k, 'a key string of at least 16 characters, or { key, queues?, label? } (an unset environment variable gives undefined)');
    }
    const option = typeof k === 'string' ? { key: k } : k;
    assertKnownKeys(option, `apiKeys[${i}]`, API_KEY_OPTION_NAMES);
    if (typeof option.key !== 'string' || option.key.length < 16 || /\s/.test(option.key)) {
      // the value is not shown: it may be a real key
      throw new InvalidOptionError(`apiKeys[${i}]`, '(hidden)', 'a key of at least 16 characters without whitespace');
    }
    if (option.label !== undefined && typeof option.label !== 'string') throw new InvalidOptionError(`apiKeys[${i}].label`, option.label, 'a string');
    return { key: option.key, queues: option.queues === undefined ? null : queueSet(option.queues, `apiKeys[${i}].queues`), label: option.label ?? `key #${i}` };
  });
  const maxBatch = o.maxBatch ?? 1000;
  if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > 100_000) throw new InvalidOptionError('maxBatch', maxBatch, 'a whole number from 1 to 100000');
  const maxBodySize = o.maxBodySize ?? 1024 * 1024;
  if (!Number.isInteger(maxBodySize) || maxBodySize < 1024) throw new InvalidOptionError('maxBodySize', maxBodySize, 'a whole number of bytes, at least 1024');
  return {
    keys,
    path: routePrefix(o.path),
    maxBatch,
    maxBodySize,
    queues: o.queues === undefined ? null : queueSet(o.queues, 'queues'),
    maxWaitMs: o.maxWait === undefined ? 30_000 : toMs('maxWait', o.maxWait),
  };
}

/** The routes' prefix without slashes around it ('queue' when not given). */
export function routePrefix(path: unknown): string {
  const p = path ?? 'queue';
  if (typeof p !== 'string' || !PATH.test(p.replace(/^\/+|\/+$/g, ''))) {
    throw new InvalidOptionError('path', p, "a route prefix such as 'queue' or 'api/v1/queue'");
  }
  return p.replace(/^\/+|\/+$/g, '');
}

function queueSet(queues: unknown, option: string): ReadonlySet<string> {
  if (!Array.isArray(queues) || queues.length === 0) throw new InvalidOptionError(option, queues, 'a non-empty array of queue names');
  queues.forEach((q, i) => assertQueueName(q, `${option}[${i}]`));
  return new Set(queues as string[]);
}
