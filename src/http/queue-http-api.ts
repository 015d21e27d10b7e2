import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import {
  assertQueueName,
  InvalidOptionError,
  JobFailedError,
  JobNotFoundError,
  JoblineError,
  PayloadNotSerializableError,
  PayloadValidationError,
  RedisOutOfMemoryError,
  RedisUnavailableError,
  toMs,
  UnknownJobError,
  WaitTimeoutError,
  type EnqueueItem,
  type EnqueueOptions,
  type Logger,
  type QueueClient,
} from '../core/index.js';
import { AddBatchBody, AddJobBody, BatchJob, checkBody, plainBatchJob } from './bodies.js';
import type { HttpSettings } from './http-options.js';
import { openApiDocument } from './openapi.js';

/** What a route answers: an HTTP status and a JSON body. */
export interface HttpAnswer {
  status: number;
  body: unknown;
}

/** A request as any HTTP server hands it over: headers with lower-case names, the JSON body already parsed. */
export interface HttpRequest {
  method: string;
  /** The path after the API's prefix, e.g. 'add', 'jobs/abc/result' */
  route: string;
  headers: IncomingHttpHeaders;
  query: Record<string, unknown>;
  body: unknown;
}

type Key = HttpSettings['keys'][number];

const ENDED_BADLY = new Set(['failed', 'canceled', 'expired', 'stopped']);
const errors = (...messages: string[]) => ({ errors: messages });

/**
 * The HTTP API without an HTTP server: each route is a method answering `{ status, body }`, so the Nest controller
 * (QueueHttpModule), `handleNode` (a plain node:http server) or any other server mounts the same rules. Keys are
 * compared in constant time; bodies are checked by class-validator for their shape, then names and options by enqueue
 * itself; nothing of an add-batch is stored unless every item passed.
 */
export class QueueHttpApi {
  /** sha256 of each key: equal-length digests for timingSafeEqual, whatever the key's length */
  private readonly digests: Buffer[];

  constructor(
    private readonly client: QueueClient,
    readonly settings: HttpSettings,
    private readonly logger: Logger,
  ) {
    this.digests = settings.keys.map((k) => digest(k.key));
  }

  /** Dispatches one request; null when no route of this API matches (the server answers 404 its own way). */
  async handle(req: HttpRequest): Promise<HttpAnswer | null> {
    const route = req.route.replace(/^\/+|\/+$/g, '');
    const method = req.method.toUpperCase();
    if (method === 'POST' && route === 'add') return this.add(req.headers, req.body);
    if (method === 'POST' && route === 'add-batch') return this.addBatch(req.headers, req.body);
    if (method === 'GET' && route === 'openapi.json') return this.openApi();
    const m = /^jobs\/([^/]+)(\/result)?$/.exec(route);
    if (method === 'GET' && m) {
      const id = safeDecode(m[1]!);
      return m[2] ? this.result(req.headers, id, req.query.wait) : this.job(req.headers, id);
    }
    return null;
  }

  /**
   * `POST add` `{ queue, name?, data, options? }`: 201 `{ id, name, queue, status }`, and `duplicate: true` when a live
   * job held its `unique` key: nothing was stored, and the body names that job.
   */
  async add(headers: IncomingHttpHeaders, body: unknown): Promise<HttpAnswer> {
    return this.answer(async () => {
      const key = this.authenticate(headers);
      if ('status' in key) return key;
      const { value, problems } = await checkBody(AddJobBody, body);
      if (problems.length) return { status: 400, body: errors(...problems) };
      const refused = this.queueRefused(key, value.queue);
      if (refused) return refused;
      const options = jobOptions(value.queue, value.options);
      if ('status' in options) return options;
      const handle = await this.client.enqueue(value.name ?? value.queue, value.data ?? null, options);
      const status = handle.enqueuedStatus ?? (await handle.getStatus());
      const answer: Record<string, unknown> = { id: handle.id, name: handle.name, queue: handle.queue, status };
      if (handle.duplicate) answer.duplicate = true;
      return { status: 201, body: answer };
    });
  }

  /** `POST add-batch` `{ queue, name?, jobs: [{ data, name?, options? }] }`: 201 `{ enqueued, ids }`, all or none. */
  async addBatch(headers: IncomingHttpHeaders, body: unknown): Promise<HttpAnswer> {
    return this.answer(async () => {
      const key = this.authenticate(headers);
      if ('status' in key) return key;
      const jobs = body !== null && typeof body === 'object' ? (body as { jobs?: unknown }).jobs : undefined;
      if (Array.isArray(jobs) && jobs.length > this.settings.maxBatch) {
        return { status: 413, body: errors(`The batch has ${jobs.length} jobs; this API takes at most ${this.settings.maxBatch} a request (maxBatch): split it.`) };
      }
      const { value, problems } = await checkBody(AddBatchBody, body, { key: 'jobs', cls: BatchJob, plain: plainBatchJob });
      if (problems.length) return { status: 400, body: errors(...problems) };
      const refused = this.queueRefused(key, value.queue);
      if (refused) return refused;
      const items: EnqueueItem[] = new Array(value.jobs.length);
      for (let i = 0; i < value.jobs.length; i++) {
        const job = value.jobs[i]!;
        const options = jobOptions(value.queue, job.options, `jobs[${i}]`);
        if ('status' in options) return options;
        items[i] = { name: job.name ?? value.name ?? value.queue, data: job.data ?? null, options };
      }
      try {
        const handles = await this.client.enqueueMany(items);
        return { status: 201, body: { enqueued: handles.length, ids: handles.map((h) => h.id) } };
      } catch (err) {
        // the item at fault, named as the request writes it (enqueueMany marks its errors with the item's position)
        if (err instanceof JoblineError && err.item !== undefined && clientError(err)) return { status: 400, body: errors(`jobs[${err.item}]: ${err.message}`) };
        throw err;
      }
    });
  }

  /**
   * `GET jobs/:id`: 200 the job's info (JobInfo as JSON), 404 unknown. A duplicate inbox entry's id answers with the
   * live job that held it off: its info, with `duplicate: true`.
   */
  async job(headers: IncomingHttpHeaders, id: string): Promise<HttpAnswer> {
    return this.answer(async () => {
      const found = await this.locate(headers, id);
      if ('status' in found) return found;
      // JobInfo's dates become ISO strings as the body is written
      const info = await found.info();
      return { status: 200, body: found.duplicate ? { ...info, duplicate: true } : info };
    });
  }

  /**
   * `GET jobs/:id/result?wait=<Duration>`: waits (woken by Redis, never polling) up to `wait` (at most maxWait;
   * `wait=true`: maxWait) for the job's end. 200 `{ id, queue, status: 'finished', result }`; 409 `{ id, queue, status,
   * error, errors }` for a job that failed, was canceled, expired or stopped; 202 `{ id, queue, status }` for one not
   * done yet; 404 unknown. A duplicate inbox entry's id answers for the live job that held it off (`id` names it).
   */
  async result(headers: IncomingHttpHeaders, id: string, wait: unknown): Promise<HttpAnswer> {
    return this.answer(async () => {
      const found = await this.locate(headers, id);
      if ('status' in found) return found;
      const waitMs = this.waitMs(wait);
      if (waitMs > 0) {
        try {
          const result = await found.result({ timeout: `${waitMs}ms` });
          return { status: 200, body: { id: found.id, queue: found.queue, status: 'finished', result } };
        } catch (err) {
          if (!(err instanceof WaitTimeoutError || err instanceof JobFailedError)) throw err;
        }
      }
      const info = await found.info();
      if (info.status === 'finished') return { status: 200, body: { id: found.id, queue: info.queue, status: info.status, result: info.result } };
      if (ENDED_BADLY.has(info.status)) {
        const error = info.error ?? { name: 'Error', message: info.status };
        return {
          status: 409,
          body: { id: found.id, queue: info.queue, status: info.status, error: { name: error.name, message: error.message }, errors: [`Job ${found.id} ${info.status}: ${error.name}: ${error.message}`] },
        };
      }
      return { status: 202, body: { id: found.id, queue: info.queue, status: info.status } };
    });
  }

  /** The OpenAPI 3.1 description of these routes (no key needed: it holds no data). */
  openApi(): HttpAnswer {
    return { status: 200, body: openApiDocument(this.settings) };
  }

  /**
   * Serves a node:http request if its path is under the API's prefix: reads the body (413 past maxBodySize), answers
   * JSON. Resolves false, having written nothing, for any other path. For `jobline serve` and plain node:http servers.
   */
  async handleNode(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const prefix = `/${this.settings.path}/`;
    if (!url.pathname.startsWith(prefix)) return false;
    const route = url.pathname.slice(prefix.length);
    let answer: HttpAnswer | null;
    if (req.method === 'POST') {
      const body = await readJson(req, this.settings.maxBodySize);
      answer = 'status' in body ? body : await this.handle({ method: 'POST', route, headers: req.headers, query: {}, body: body.value });
    } else {
      answer = await this.handle({ method: req.method ?? 'GET', route, headers: req.headers, query: Object.fromEntries(url.searchParams), body: undefined });
    }
    if (!answer) return false;
    const text = JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return true;
  }

  /** 413 when a request says its body is larger than maxBodySize (the Nest controller checks it before anything). */
  tooLarge(contentLength: string | undefined): HttpAnswer | null {
    const n = contentLength === undefined ? 0 : Number(contentLength);
    return n > this.settings.maxBodySize ? { status: 413, body: errors(tooLargeMessage(n, this.settings.maxBodySize)) } : null;
  }

  /** The key a request gives, or its 401 answer. Every key is compared, each in constant time. */
  private authenticate(headers: IncomingHttpHeaders): Key | HttpAnswer {
    const given = presentedKey(headers);
    if (given === null) {
      return { status: 401, body: errors('No API key: send `Authorization: Bearer <key>` or `X-API-Key: <key>`.') };
    }
    const d = digest(given);
    let found = -1;
    for (let i = 0; i < this.digests.length; i++) if (timingSafeEqual(d, this.digests[i]!) && found < 0) found = i;
    return found < 0 ? { status: 401, body: errors('Unknown API key.') } : this.settings.keys[found]!;
  }

  /** 400 bad name, 404 a queue this API does not serve, 403 a queue this key may not use; null: allowed. */
  private queueRefused(key: Key, queue: string): HttpAnswer | null {
    try {
      assertQueueName(queue);
    } catch (err) {
      return { status: 400, body: errors((err as Error).message) };
    }
    const served = this.settings.queues;
    if (served && !served.has(queue)) return { status: 404, body: errors(`Unknown queue "${queue}": this API serves ${[...served].join(', ')}.`) };
    if (key.queues && !key.queues.has(queue)) return { status: 403, body: errors(`This API key may not use queue "${queue}"; it may use ${[...key.queues].join(', ')}.`) };
    return null;
  }

  /** The job `id` (401/403/404 answered here), so that a key limited to some queues reads only their jobs. */
  private async locate(headers: IncomingHttpHeaders, id: string) {
    const key = this.authenticate(headers);
    if ('status' in key) return key;
    const handle = /^[A-Za-z0-9_.-]{1,128}$/.test(id) ? await this.client.getJob(id) : null;
    if (!handle) return { status: 404, body: errors(`No job "${id}" (never enqueued, deleted, or its result or failure TTL ran out).`) };
    return this.queueRefused(key, handle.queue) ?? handle;
  }

  private waitMs(wait: unknown): number {
    if (wait === undefined || wait === '' || wait === 'false') return 0;
    if (wait === 'true') return this.settings.maxWaitMs;
    const n = typeof wait === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(wait) ? Number(wait) : wait;
    return toMs('wait', n, { allowZero: true, max: this.settings.maxWaitMs });
  }

  /** Runs a route: the engine's errors become their HTTP answers, anything else a logged 500. */
  private async answer(route: () => Promise<HttpAnswer>): Promise<HttpAnswer> {
    try {
      return await route();
    } catch (err) {
      if (err instanceof JoblineError && clientError(err)) return { status: 400, body: errors(err.message) };
      if (err instanceof JobNotFoundError) return { status: 404, body: errors(err.message) };
      if (err instanceof RedisUnavailableError || err instanceof RedisOutOfMemoryError) return { status: 503, body: errors(err.message) };
      this.logger.error(`HTTP API: ${(err as Error)?.message ?? String(err)}`, (err as Error)?.stack);
      return { status: 500, body: errors('Internal error; the server logged it.') };
    }
  }
}

/** The request's enqueue options: the body's `queue` (an `options.queue` must agree), 400 for options not an object. */
function jobOptions(queue: string, options: Record<string, unknown> | null | undefined, where = ''): EnqueueOptions | HttpAnswer {
  if (options === undefined || options === null) return { queue };
  if (options.queue !== undefined && options.queue !== queue) {
    const at = where ? `${where}: ` : '';
    return { status: 400, body: errors(`${at}${new InvalidOptionError('options.queue', options.queue, `the request's queue ("${queue}"), or nothing`).message}`) };
  }
  return { ...(options as EnqueueOptions), queue };
}

/** What the caller got wrong (400), as opposed to Redis or the server. */
function clientError(err: JoblineError): boolean {
  return err instanceof InvalidOptionError || err instanceof UnknownJobError || err instanceof PayloadValidationError || err instanceof PayloadNotSerializableError;
}

function presentedKey(headers: IncomingHttpHeaders): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1]!;
  }
  const x = headers['x-api-key'];
  const v = Array.isArray(x) ? x[0] : x;
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function tooLargeMessage(size: number | null, max: number): string {
  return `The request body is ${size === null ? 'larger than' : `${size} bytes, over`} the limit of ${max} bytes (maxBodySize): send fewer or smaller jobs a request.`;
}

/** A node:http request's JSON body, or the 400/413 answer (the rest of a too large body is read and dropped). */
function readJson(req: IncomingMessage, max: number): Promise<{ value: unknown } | HttpAnswer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) {
    req.resume();
    return Promise.resolve({ status: 413, body: errors(tooLargeMessage(declared, max)) });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume();
      resolve({ status: 413, body: errors(tooLargeMessage(null, max)) });
    };
    req.on('data', onData);
    req.on('error', reject);
    req.on('end', () => {
      if (size > max) return;
      try {
        resolve({ value: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      } catch (err) {
        resolve({ status: 400, body: errors(`The body is not JSON: ${(err as Error).message}`) });
      }
    });
  });
}
