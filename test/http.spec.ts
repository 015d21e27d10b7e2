import 'reflect-metadata';
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  InvalidOptionError,
  Job,
  JOBLINE_CLIENT,
  QueueClient,
  QueueConsumerModule,
  QueueHttpApi,
  QueueHttpModule,
  QueueModule,
  type JobContext,
  type QueueHttpModuleOptions,
} from '../src/index.js';
import { AddBatchBody, BatchJob, checkBody, plainBatchJob } from '../src/http/bodies.js';
import { deferred, testConnection, uniquePrefix } from './helpers.js';

const KEY = 'test-key-0123456789abcdef';
const MAIL_KEY = 'mail-only-key-0123456789';
const gate = { open: deferred() };

@Injectable()
class Jobs {
  ran: string[] = [];

  @Job('resize', { queue: 'images' })
  resize(data: { w: number }, ctx: JobContext) {
    this.ran.push(ctx.id);
    return { width: data.w * 2 };
  }

  // named like its queue: an add that gives no name runs it
  @Job('mail', { queue: 'mail' })
  mail(data: { to: string }) {
    return `sent to ${data.to}`;
  }

  @Job('explode', { queue: 'images' })
  explode() {
    throw new Error('kaboom');
  }

  @Job('held', { queue: 'slow' })
  async held() {
    await gate.open.promise;
    return 'released';
  }
}

const httpOptions: QueueHttpModuleOptions = {
  apiKeys: [KEY, { key: MAIL_KEY, queues: ['mail'] }],
  queues: ['images', 'mail', 'slow'],
  maxBatch: 5,
  maxBodySize: 4096,
  maxWait: '20s',
};

function appModule(prefix: string, http = QueueHttpModule.forRoot(httpOptions)) {
  @Module({
    imports: [QueueModule.forRoot({ connection: testConnection(), prefix }), QueueConsumerModule.forRoot({ concurrency: 5 }), http],
    providers: [Jobs],
  })
  class AppModule {}
  return AppModule;
}

type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<{ status: number; body: any }>;

function caller(base: string): Call {
  return async (method, path, body, headers = { authorization: `Bearer ${KEY}` }) => {
    const res = await fetch(base + path, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

describe('HTTP API (Express, a listening Nest app)', () => {
  let app: INestApplication;
  let call: Call;
  let client: QueueClient;

  beforeAll(async () => {
    app = await NestFactory.create(appModule(uniquePrefix('http')), { logger: false });
    await app.listen(0, '127.0.0.1');
    call = caller(`http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`);
    client = app.get(JOBLINE_CLIENT);
  });
  afterAll(async () => {
    gate.open.resolve();
    await app.close();
  });

  it('add: 201 { id, name, queue, status } with a Bearer key or X-API-Key; the job runs; jobs/:id and result read it', async () => {
    const a = await call('POST', '/queue/add', { queue: 'images', name: 'resize', data: { w: 10 } });
    expect(a).toEqual({ status: 201, body: { id: expect.any(String), name: 'resize', queue: 'images', status: 'queued' } });
    const b = await call('POST', '/queue/add', { queue: 'mail', data: { to: 'ann' }, options: { jobId: 'mail-1', attempts: 2 } }, { 'x-api-key': MAIL_KEY });
    expect(b).toEqual({ status: 201, body: { id: 'mail-1', name: 'mail', queue: 'mail', status: 'queued' } });
    expect(await call('GET', `/queue/jobs/${a.body.id}/result?wait=10s`)).toEqual({ status: 200, body: { id: a.body.id, queue: 'images', status: 'finished', result: { width: 20 } } });
    expect(await call('GET', '/queue/jobs/mail-1/result?wait=10', undefined, { 'x-api-key': MAIL_KEY })).toMatchObject({ status: 200, body: { result: 'sent to ann' } });
    const info = await call('GET', '/queue/jobs/mail-1');
    expect(info).toMatchObject({ status: 200, body: { id: 'mail-1', name: 'mail', queue: 'mail', status: 'finished', data: { to: 'ann' }, maxAttempts: 2, result: 'sent to ann' } });
    expect(new Date(info.body.endedAt).getTime()).toBeGreaterThan(0);
    // the same jobId again is the same job, untouched (enqueue's rule)
    expect(await call('POST', '/queue/add', { queue: 'mail', data: { to: 'bob' }, options: { jobId: 'mail-1' } })).toMatchObject({ status: 201, body: { id: 'mail-1', status: 'finished' } });
  });

  it('add of a `unique` job whose key a live job holds: 201 naming that job, with duplicate: true; nothing stored', async () => {
    const body = { queue: 'slow', name: 'held', data: { user: 7 }, options: { unique: true } };
    const a = await call('POST', '/queue/add', body);
    expect(a.body.duplicate).toBeUndefined();
    const b = await call('POST', '/queue/add', { ...body, data: { user: 7 } });
    expect(b).toEqual({ status: 201, body: { id: a.body.id, name: 'held', queue: 'slow', status: expect.stringMatching(/^(queued|started)$/), duplicate: true } });
    const counts = await client.countJobs('slow');
    expect(counts.queued + counts.started).toBe(1);
    expect(await call('POST', '/queue/add', { ...body, options: { unique: { key: 7 } } })).toMatchObject({ status: 400, body: { errors: [expect.stringMatching(/unique\.key/)] } });
  });

  it('401 without a key or with an unknown one; 403 for a queue the key may not use; 404 for a queue not served', async () => {
    const body = { queue: 'images', name: 'resize', data: { w: 1 } };
    expect(await call('POST', '/queue/add', body, {})).toEqual({ status: 401, body: { errors: [expect.stringContaining('No API key')] } });
    expect(await call('POST', '/queue/add', body, { authorization: `Bearer ${KEY}x` })).toEqual({ status: 401, body: { errors: ['Unknown API key.'] } });
    expect(await call('POST', '/queue/add', body, { authorization: `Basic ${KEY}` })).toMatchObject({ status: 401 });
    expect(await call('POST', '/queue/add', body, { 'x-api-key': MAIL_KEY })).toEqual({ status: 403, body: { errors: [expect.stringContaining('may not use queue "images"')] } });
    expect(await call('POST', '/queue/add-batch', { queue: 'images', jobs: [{ data: 1 }] }, { 'x-api-key': MAIL_KEY })).toMatchObject({ status: 403 });
    expect(await call('POST', '/queue/add', { ...body, queue: 'nope' })).toEqual({ status: 404, body: { errors: ['Unknown queue "nope": this API serves images, mail, slow.'] } });
    // a limited key reads only its queues' jobs
    const h = await client.enqueue('resize', { w: 1 });
    expect(await call('GET', `/queue/jobs/${h.id}`, undefined, { 'x-api-key': MAIL_KEY })).toMatchObject({ status: 403 });
    expect(await call('GET', '/queue/jobs/no-such-job')).toEqual({ status: 404, body: { errors: [expect.stringContaining('No job "no-such-job"')] } });
    expect(await call('GET', '/queue/jobs/no-such-job/result?wait=1s')).toMatchObject({ status: 404 });
  });

  it('400: the body checked by class-validator, names and options by enqueue itself, with its messages', async () => {
    const enqueueError = async (name: string, options: object) =>
      (await client.enqueue(name, {}, { queue: 'images', ...options }).then(
        () => null,
        (e: Error) => e,
      ))!;
    expect(await call('POST', '/queue/add', '[1]')).toEqual({ status: 400, body: { errors: ['the body must be a JSON object, got an array'] } });
    expect(await call('POST', '/queue/add', { name: 'resize', data: 1 })).toEqual({ status: 400, body: { errors: expect.arrayContaining(['queue must be a string']) } });
    expect(await call('POST', '/queue/add', { queue: 'images', name: 'resize' })).toEqual({ status: 400, body: { errors: [expect.stringContaining('data must be given')] } });
    expect(await call('POST', '/queue/add', { queue: 'images', name: 'resize', data: 1, colour: 'red' })).toEqual({ status: 400, body: { errors: ['property colour should not exist'] } });
    expect(await call('POST', '/queue/add', { queue: 'images', name: 'resize', data: 1, options: [1] })).toEqual({ status: 400, body: { errors: ['options must be an object'] } });
    expect(await call('POST', '/queue/add', { queue: 'bad queue!', name: 'resize', data: 1 })).toMatchObject({ status: 400, body: { errors: [expect.stringContaining('Invalid option `queue`')] } });
    for (const options of [{ timeout: 'abc' }, { attempts: 0 }, { tll: 5 }, { jobId: 'bad id' }, { delay: '5s', runAt: 1 }]) {
      const err = await enqueueError('resize', options);
      expect(err).toBeInstanceOf(InvalidOptionError);
      expect(await call('POST', '/queue/add', { queue: 'images', name: 'resize', data: {}, options })).toEqual({ status: 400, body: { errors: [err.message] } });
    }
    const unknown = await enqueueError('no-such-job', {});
    expect(await call('POST', '/queue/add', { queue: 'images', name: 'no-such-job', data: {} })).toEqual({ status: 400, body: { errors: [unknown.message] } });
    expect(await call('POST', '/queue/add', { queue: 'images', name: 'resize', data: 1, options: { queue: 'mail' } })).toMatchObject({
      status: 400,
      body: { errors: [expect.stringContaining("the request's queue")] },
    });
  });

  it('add-batch: 201 { enqueued, ids } in order; a bad item is 400 naming its index and nothing is stored; 413 over maxBatch or maxBodySize', async () => {
    const ok = await call('POST', '/queue/add-batch', { queue: 'images', name: 'resize', jobs: [{ data: { w: 1 } }, { data: { w: 2 }, options: { jobId: 'batch-2' } }, { data: { w: 3 } }] });
    expect(ok).toEqual({ status: 201, body: { enqueued: 3, ids: [expect.any(String), 'batch-2', expect.any(String)] } });
    const results = await Promise.all(ok.body.ids.map((id: string) => call('GET', `/queue/jobs/${id}/result?wait=10s`)));
    expect(results.map((r) => r.body.result)).toEqual([{ width: 2 }, { width: 4 }, { width: 6 }]);

    const before = await client.countJobs('images');
    const bad = await call('POST', '/queue/add-batch', {
      queue: 'images',
      name: 'resize',
      jobs: [{ data: 1 }, { data: 2 }, { data: 3, options: { jobId: 'never-stored' } }, { data: 4, options: { timeout: -5 } }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.stringMatching(/^jobs\[3\]: Invalid option `timeout`: got -5/)]);
    expect(await call('POST', '/queue/add-batch', { queue: 'images', jobs: [{ data: 1 }, { data: 2, name: 7 }] })).toEqual({ status: 400, body: { errors: ['jobs.1.name must be a string'] } });
    expect(await call('POST', '/queue/add-batch', { queue: 'images', jobs: [{ name: 'resize', data: 1 }, { name: 'nope', data: 1 }] })).toMatchObject({
      status: 400,
      body: { errors: [expect.stringMatching(/^jobs\[1\]: .*nope/)] },
    });
    expect(await call('POST', '/queue/add-batch', { queue: 'images', jobs: [] })).toMatchObject({ status: 400, body: { errors: ['jobs should not be empty'] } });
    expect(await client.countJobs('images')).toEqual(before);
    expect(await client.getJob('never-stored')).toBeNull();

    const six = await call('POST', '/queue/add-batch', { queue: 'images', name: 'resize', jobs: Array.from({ length: 6 }, (_, i) => ({ data: { w: i } })) });
    expect(six).toEqual({ status: 413, body: { errors: ['The batch has 6 jobs; this API takes at most 5 a request (maxBatch): split it.'] } });
    const big = await call('POST', '/queue/add', { queue: 'images', name: 'resize', data: { pad: 'x'.repeat(5000) } });
    expect(big.status).toBe(413);
    expect(big.body.errors[0]).toMatch(/over the limit of 4096 bytes \(maxBodySize\)/);
    expect(await client.countJobs('images')).toEqual(before);
  });

  it('result: waits without polling; 202 not done yet, 409 failed, 400 a bad wait; openapi.json describes the routes', async () => {
    const held = await call('POST', '/queue/add', { queue: 'slow', name: 'held', data: null });
    expect(await call('GET', `/queue/jobs/${held.body.id}/result`)).toMatchObject({ status: 202, body: { id: held.body.id, queue: 'slow' } });
    expect(await call('GET', `/queue/jobs/${held.body.id}/result?wait=200ms`)).toEqual({ status: 202, body: { id: held.body.id, queue: 'slow', status: 'started' } });
    const waiting = call('GET', `/queue/jobs/${held.body.id}/result?wait=20s`);
    let answered = false;
    void waiting.then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    gate.open.resolve();
    expect(await waiting).toEqual({ status: 200, body: { id: held.body.id, queue: 'slow', status: 'finished', result: 'released' } });

    const boom = await call('POST', '/queue/add', { queue: 'images', name: 'explode', data: {}, options: { attempts: 1 } });
    const failed = await call('GET', `/queue/jobs/${boom.body.id}/result?wait=true`);
    expect(failed).toEqual({
      status: 409,
      body: { id: boom.body.id, queue: 'images', status: 'failed', error: { name: 'Error', message: 'kaboom' }, errors: [`Job ${boom.body.id} failed: Error: kaboom`] },
    });
    expect(await call('GET', `/queue/jobs/${boom.body.id}/result?wait=abc`)).toMatchObject({ status: 400, body: { errors: [expect.stringContaining('Invalid option `wait`')] } });
    expect(await call('GET', `/queue/jobs/${boom.body.id}/result?wait=1m`)).toMatchObject({ status: 400, body: { errors: [expect.stringContaining('at most 20000ms')] } });

    const doc = await call('GET', '/queue/openapi.json', undefined, {});
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(['/queue/add', '/queue/add-batch', '/queue/jobs/{id}', '/queue/jobs/{id}/result']);
  });
});

describe('HTTP API elsewhere', () => {
  it('on Fastify, under forRootAsync with another path', async () => {
    const CONFIG = Symbol('CONFIG');
    @Module({ providers: [{ provide: CONFIG, useValue: { keys: [KEY] } }], exports: [CONFIG] })
    class ConfigModule {}
    const http = QueueHttpModule.forRootAsync({
      path: '/api/v1/jobs/',
      imports: [ConfigModule],
      inject: [CONFIG],
      useFactory: (config: { keys: string[] }) => ({ apiKeys: config.keys }),
    });
    const app = await NestFactory.create<NestFastifyApplication>(appModule(uniquePrefix('http-fastify'), http), new FastifyAdapter(), { logger: false });
    try {
      await app.listen(0, '127.0.0.1');
      const call = caller(`http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`);
      const a = await call('POST', '/api/v1/jobs/add', { queue: 'images', name: 'resize', data: { w: 4 } });
      expect(a).toMatchObject({ status: 201, body: { name: 'resize', queue: 'images', status: 'queued' } });
      expect(await call('GET', `/api/v1/jobs/jobs/${a.body.id}/result?wait=10s`)).toMatchObject({ status: 200, body: { result: { width: 8 } } });
      expect(await call('POST', '/api/v1/jobs/add-batch', { queue: 'images', name: 'resize', jobs: [{ data: { w: 1 } }, { data: { w: 2 } }] })).toMatchObject({ status: 201, body: { enqueued: 2 } });
      expect(await call('POST', '/api/v1/jobs/add', { queue: 'images', data: 1 }, {})).toMatchObject({ status: 401 });
      expect(await call('POST', '/api/v1/jobs/add', { queue: 'images', name: 'resize', data: 1, options: { attempts: 0 } })).toMatchObject({ status: 400 });
    } finally {
      await app.close();
    }
  });

  it('QueueHttpApi.handleNode serves the same routes from a plain node:http server (as `jobline serve` mounts it)', async () => {
    const client = new QueueClient({ connection: testConnection(), prefix: uniquePrefix('http-node'), noWorkerWarning: false });
    const api = new QueueHttpApi(client, (await import('../src/http/http-options.js')).httpSettings({ apiKeys: [KEY], maxBodySize: 2048 }, 'test'), { log() {}, warn() {}, error() {} });
    const server: Server = createServer((req, res) => {
      void api.handleNode(req, res).then((served) => {
        if (!served) res.writeHead(404).end('not ours');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const call = caller(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const a = await call('POST', '/queue/add', { queue: 'q', name: 'anything', data: [1, 2] });
      expect(a).toMatchObject({ status: 201, body: { name: 'anything', queue: 'q', status: 'queued' } });
      expect((await call('GET', `/queue/jobs/${a.body.id}`)).body).toMatchObject({ status: 'queued', data: [1, 2] });
      expect(await call('GET', `/queue/jobs/${a.body.id}/result?wait=100ms`)).toMatchObject({ status: 202, body: { status: 'queued' } });
      expect(await call('POST', '/queue/add', '{"queue": ')).toMatchObject({ status: 400, body: { errors: [expect.stringContaining('not JSON')] } });
      expect(await call('POST', '/queue/add', { queue: 'q', data: 'x'.repeat(3000) })).toMatchObject({ status: 413 });
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/other`);
      expect([res.status, await res.text()]).toEqual([404, 'not ours']);
    } finally {
      await new Promise((r) => server.close(r));
      await client.close();
    }
  });

  it("add-batch's direct item check agrees with class-validator's BatchJob rules, which it stands in for", async () => {
    const items: unknown[] = [
      { data: 1 },
      { data: null },
      { data: { a: 1 }, name: 'x', options: {} },
      { data: [], options: { timeout: 5 } },
      {},
      { name: 'x' },
      { data: 1, name: 7 },
      { data: 1, name: null },
      { data: 1, options: [1] },
      { data: 1, options: null },
      { data: 1, name: undefined, options: undefined },
      { data: undefined },
      { data: 1, options: 'x' },
      { data: 1, colour: 'red' },
      [1],
      null,
      'job',
      7,
    ];
    for (const item of items) {
      const full = await checkBody(AddBatchBody, { queue: 'q', jobs: [item] }, { key: 'jobs', cls: BatchJob, plain: () => false });
      expect({ item, plain: plainBatchJob(item) }).toEqual({ item, plain: full.problems.length === 0 });
    }
  });

  it('refuses bad options when the module is made', () => {
    expect(() => QueueHttpModule.forRoot({ apiKeys: [] })).toThrow(InvalidOptionError);
    expect(() => QueueHttpModule.forRoot({ apiKeys: ['short'] })).toThrow(/apiKeys\[0\].*at least 16 characters/);
    // what `apiKeys: [process.env.JOBS_API_KEY!]` gives when the variable is unset
    expect(() => QueueHttpModule.forRoot({ apiKeys: [KEY, undefined as unknown as string] })).toThrow(
      /apiKeys\[1\]`: got undefined; expected a key string of at least 16 characters, or \{ key, queues\?, label\? \} \(an unset environment variable gives undefined\)/,
    );
    expect(() => QueueHttpModule.forRoot({ apiKeys: [KEY], maxbatch: 5 } as never)).toThrow(/did you mean `maxBatch`/);
    expect(() => QueueHttpModule.forRoot({ apiKeys: [KEY], queues: ['a b'] })).toThrow(/queues\[0\]/);
    expect(() => QueueHttpModule.forRoot({ apiKeys: [{ key: KEY, queues: [] }] })).toThrow(/apiKeys\[0\]\.queues/);
  });
});
