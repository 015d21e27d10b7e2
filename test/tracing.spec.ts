import { context, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOnSampler, BasicTracerProvider, InMemorySpanExporter, ParentBasedSampler, SimpleSpanProcessor, type ReadableSpan, type Sampler } from '@opentelemetry/sdk-trace-base';
import { engine } from './engine.js';
import { sleep } from './helpers.js';

// One provider for the file (the API's global can be set once), recording every span in memory.
const exporter = new InMemorySpanExporter();
// the SDK's default sampler, noting the name of every span started (sampled or not)
const started: string[] = [];
const defaultSampler = new ParentBasedSampler({ root: new AlwaysOnSampler() });
const sampler: Sampler = {
  shouldSample: (...args: Parameters<Sampler['shouldSample']>) => {
    started.push(args[2]);
    return defaultSampler.shouldSample(...args);
  },
  toString: () => 'noting',
};
const provider = new BasicTracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager().enable();

beforeAll(() => {
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
});

afterAll(async () => {
  await provider.shutdown();
  contextManager.disable();
  trace.disable();
  context.disable();
});

beforeEach(() => exporter.reset());

/** The finished spans, once `count` of them matching `pick` are there (the consumer span ends after the job). */
async function spans(pick: (s: ReadableSpan) => boolean, count: number): Promise<ReadableSpan[]> {
  for (let tries = 0; tries < 200; tries++) {
    const found = exporter.getFinishedSpans().filter(pick);
    if (found.length >= count) return found;
    await sleep(25);
  }
  throw new Error(`expected ${count} spans; finished: ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
}

const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

describe('tracing', () => {
  it('a job enqueued inside a span: producer and consumer spans share its trace, with the messaging attributes', async () => {
    const tracer = trace.getTracer('test');
    const e = engine('trace', {
      work: async (data: { n: number }) => {
        // a span made by the handler is a child of the consumer span
        await tracer.startActiveSpan('inside', async (span) => {
          await sleep(5);
          span.end();
        });
        return data.n * 2;
      },
      boom: () => {
        throw new Error('kaput');
      },
    }, { logFailedJobs: false });
    e.worker();
    const request = tracer.startSpan('request');
    const [handle, failing] = await context.with(trace.setSpan(context.active(), request), async () => [
      await e.client.enqueue('work', { n: 21 }),
      await e.client.enqueue('boom'),
    ]);
    request.end();
    expect(await handle.result({ timeout: '10s' })).toBe(42);
    await expect(failing.result({ timeout: '10s' })).rejects.toThrow(/kaput/);

    const [producer] = await spans((s) => s.kind === SpanKind.PRODUCER && s.attributes['messaging.message.id'] === handle.id, 1);
    const [consumer] = await spans((s) => s.kind === SpanKind.CONSUMER && s.attributes['messaging.message.id'] === handle.id, 1);
    const [inside] = await spans((s) => s.name === 'inside', 1);
    const traceId = request.spanContext().traceId;
    expect(producer!.spanContext().traceId).toBe(traceId);
    expect(consumer!.spanContext().traceId).toBe(traceId);
    expect(parentOf(producer!)).toBe(request.spanContext().spanId);
    expect(parentOf(consumer!)).toBe(producer!.spanContext().spanId);
    expect(parentOf(inside!)).toBe(consumer!.spanContext().spanId);
    expect(producer!.name).toBe('send default');
    expect(producer!.attributes).toMatchObject({
      'messaging.system': 'jobline',
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'default',
      'messaging.message.id': handle.id,
    });
    expect(consumer!.name).toBe('process default');
    expect(consumer!.attributes).toMatchObject({
      'messaging.system': 'jobline',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'default',
      'messaging.message.id': handle.id,
      'jobline.job.name': 'work',
      'jobline.job.attempt': 1,
    });
    expect(consumer!.status.code).not.toBe(SpanStatusCode.ERROR);
    // the job carries the producer span's W3C traceparent
    const stored = await e.redis.hget(`${e.base('default')}job:${handle.id}`, 'tp');
    expect(stored).toBe(`00-${traceId}-${producer!.spanContext().spanId}-01`);
    // a failed run's consumer span says so
    const [failed] = await spans((s) => s.kind === SpanKind.CONSUMER && s.attributes['messaging.message.id'] === failing.id, 1);
    expect(failed!.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'Error: kaput' });
    expect(failed!.events.map((ev) => ev.name)).toContain('exception');
  });

  it('enqueueMany under a span makes one producer span for the batch; jobs enqueued outside any span carry nothing and get no spans', async () => {
    const tracer = trace.getTracer('test');
    const e = engine('trace-many', { work: () => 1 });
    e.worker();
    const request = tracer.startSpan('batch-request');
    const batch = await context.with(trace.setSpan(context.active(), request), () => e.client.enqueueMany([{ name: 'work' }, { name: 'work' }, { name: 'work' }]));
    request.end();
    const plain = await e.client.enqueue('work');
    for (const h of [...batch, plain]) await h.result({ timeout: '10s' });
    const producers = await spans((s) => s.kind === SpanKind.PRODUCER && s.spanContext().traceId === request.spanContext().traceId, 1);
    expect(producers).toHaveLength(1);
    expect(producers[0]!.attributes['messaging.batch.message_count']).toBe(3);
    const consumers = await spans((s) => s.kind === SpanKind.CONSUMER && s.spanContext().traceId === request.spanContext().traceId, 3);
    expect(consumers.map(parentOf)).toEqual([1, 2, 3].map(() => producers[0]!.spanContext().spanId));
    expect(await e.redis.hget(`${e.base('default')}job:${plain.id}`, 'tp')).toBeNull();
    expect(exporter.getFinishedSpans().filter((s) => s.attributes['messaging.message.id'] === plain.id)).toEqual([]);
  });

  it('a job enqueued in a trace that is not sampled records no span, and its handler runs in that trace unsampled', async () => {
    const tracer = trace.getTracer('test');
    const seen: { traceId?: string; recording?: boolean }[] = [];
    const e = engine('trace-unsampled', {
      work: () =>
        tracer.startActiveSpan('inside-unsampled', (span) => {
          seen.push({ traceId: span.spanContext().traceId, recording: span.isRecording() });
          span.end();
          return 1;
        }),
    });
    e.worker();
    started.length = 0;
    const unsampled = trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.NONE, isRemote: true });
    const h = await context.with(trace.setSpan(context.active(), unsampled), () => e.client.enqueue('work'));
    expect(await e.redis.hget(`${e.base('default')}job:${h.id}`, 'tp')).toMatch(new RegExp(`^00-${'a'.repeat(32)}-[0-9a-f]{16}-00$`));
    expect(await h.result({ timeout: '10s' })).toBe(1);
    expect(seen).toEqual([{ traceId: 'a'.repeat(32), recording: false }]);
    // no consumer span was even started for it (the SDK asks its sampler about every span it starts)
    expect(started).toContain('inside-unsampled');
    expect(started.filter((name) => name.startsWith('process '))).toEqual([]);
    // a sampled job enqueued after it is traced, so the exporter has caught up when the unsampled one is checked
    const request = tracer.startSpan('sampled-after');
    const after = await context.with(trace.setSpan(context.active(), request), () => e.client.enqueue('work'));
    request.end();
    await after.result({ timeout: '10s' });
    await spans((s) => s.kind === SpanKind.CONSUMER && s.attributes['messaging.message.id'] === after.id, 1);
    expect(exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === 'a'.repeat(32))).toEqual([]);
  });

  it('each run of a retried job is a consumer span of the same trace: the failed one an error, the retry after its backoff ok', async () => {
    let runs = 0;
    const e = engine('trace-retry', { flaky: () => (++runs === 1 ? Promise.reject(new Error('once')) : 'ok') }, { logFailedJobs: false });
    e.worker();
    const request = trace.getTracer('test').startSpan('retry-request');
    const h = await context.with(trace.setSpan(context.active(), request), () => e.client.enqueue('flaky', null, { retry: { max: 1, backoff: '100ms' } }));
    request.end();
    expect(await h.result({ timeout: '10s' })).toBe('ok');
    const consumers = await spans((s) => s.kind === SpanKind.CONSUMER && s.attributes['messaging.message.id'] === h.id, 2);
    expect(consumers.map((s) => s.spanContext().traceId)).toEqual([request.spanContext().traceId, request.spanContext().traceId]);
    expect(consumers.map((s) => [s.attributes['jobline.job.retries'], s.status.code])).toEqual([
      [0, SpanStatusCode.ERROR],
      [1, SpanStatusCode.UNSET],
    ]);
  });

  it('tracing: false makes no spans and stores no traceparent', async () => {
    const e = engine('trace-off', { work: () => 1 }, { tracing: false });
    e.worker();
    const request = trace.getTracer('test').startSpan('off');
    const h = await context.with(trace.setSpan(context.active(), request), () => e.client.enqueue('work'));
    request.end();
    await h.result({ timeout: '10s' });
    expect(await e.redis.hget(`${e.base('default')}job:${h.id}`, 'tp')).toBeNull();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['off']);
  });
});
