import { createRequire } from 'node:module';
import type { Context, Span, Tracer } from '@opentelemetry/api';
import type { FetchedJob } from '../redis/work-codec.js';
import type { Outcome } from '../run/outcome.js';

type Api = typeof import('@opentelemetry/api');

/**
 * The W3C fields of an OpenTelemetry `SpanContext`, declared here so that the published declarations name no type of
 * `@opentelemetry/api` (an optional peer: an application without it would fail to type-check them).
 */
export interface TraceContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
}

/** A producer span around storing jobs, and the traceparent the jobs carry. */
export interface ProducerSpan {
  traceparent: string;
  end(error?: unknown): void;
}

/** The messaging system name of Jobline's spans (OpenTelemetry messaging conventions). */
const SYSTEM = 'jobline';

/**
 * Tracing through `@opentelemetry/api`, loaded when the application has it (an optional peer): a producer span
 * (`send <queue>`) around each enqueue call made inside an active span, whose W3C traceparent the jobs carry (a stored
 * field; jobs enqueued outside any span get none, so plain jobs pay nothing), and a consumer span (`process <queue>`)
 * around each run of a job that carries one, its child, so both share the trace id. Attributes follow the
 * OpenTelemetry messaging conventions. The traceparent is written and read here, not through the registered
 * propagator, so it is W3C whatever the application propagates over HTTP.
 */
export class JobTracing {
  private delegated = false;
  /**
   * The context of the last traceparent a run carried, and whether its trace is sampled: the jobs of one enqueue call
   * (or one request) carry the same one, and a context is immutable, so consecutive runs share it instead of parsing
   * the field and building a context each.
   */
  private lastTraceparent = '';
  private lastBase: Context | null = null;
  private lastSampled = true;

  private constructor(
    private readonly api: Api,
    private readonly tracer: Tracer,
  ) {}

  /** The tracing of this process, or null when `@opentelemetry/api` is not installed. */
  static load(): JobTracing | null {
    let api: Api;
    try {
      // synchronous: a client made at import time traces its first enqueue; the API keeps its state on globalThis,
      // so this copy sees the provider the application registers through its own import
      api = createRequire(import.meta.url)('@opentelemetry/api') as Api;
    } catch {
      return null;
    }
    return new JobTracing(api, api.trace.getTracer(SYSTEM));
  }

  /** Whether the application registered a tracer provider (before it does, no span could be recorded). */
  get active(): boolean {
    if (this.delegated) return true;
    const provider = this.api.trace.getTracerProvider();
    this.delegated = !(provider instanceof this.api.ProxyTracerProvider) || provider.getDelegateTracer(SYSTEM) !== undefined;
    return this.delegated;
  }

  /**
   * Starts a producer span for storing `count` jobs in `queue` (`id`: the first's), when the caller is inside a span;
   * else null (no cost).
   */
  send(queue: string, count: number, id: string): ProducerSpan | null {
    const api = this.api;
    const ctx = api.context.active();
    const parent = api.trace.getSpan(ctx);
    if (!parent || !api.isSpanContextValid(parent.spanContext())) return null;
    const attributes: Record<string, string | number> = {
      'messaging.system': SYSTEM,
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.destination.name': queue,
    };
    if (count === 1) attributes['messaging.message.id'] = id;
    else attributes['messaging.batch.message_count'] = count;
    const span = this.tracer.startSpan(`send ${queue}`, { kind: api.SpanKind.PRODUCER, attributes }, ctx);
    return {
      traceparent: traceparent(span.spanContext()),
      end: (error?: unknown) => {
        if (error !== undefined) failSpan(api, span, error instanceof Error ? error : { name: 'Error', message: String(error) });
        span.end();
      },
    };
  }

  /**
   * Runs `run` (the job's run) inside a consumer span, child of the job's traceparent; a job whose trace is not
   * sampled runs in that trace's context without a span of its own.
   */
  process(job: FetchedJob, run: () => Outcome | Promise<Outcome>): Outcome | Promise<Outcome> {
    // no provider registered in this process: no span could be recorded, nor a context carried (no context manager)
    if (!this.active) return run();
    const api = this.api;
    let base = this.lastBase;
    if (base === null || job.traceparent !== this.lastTraceparent) {
      const parent = parseTraceparent(job.traceparent);
      base = parent ? api.trace.setSpanContext(api.ROOT_CONTEXT, parent) : api.ROOT_CONTEXT;
      this.lastTraceparent = job.traceparent;
      this.lastBase = base;
      this.lastSampled = !parent || (parent.traceFlags & api.TraceFlags.SAMPLED) !== 0;
    }
    // a trace its producer did not sample (W3C sampled flag off) records no consumer span: the run only carries its
    // context, so the handler's own spans follow the same decision, and a sampled-ratio setup pays for its samples only
    if (!this.lastSampled) return api.context.with(base, run);
    const span = this.tracer.startSpan(
      `process ${job.queue}`,
      {
        kind: api.SpanKind.CONSUMER,
        attributes: {
          'messaging.system': SYSTEM,
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'process',
          'messaging.destination.name': job.queue,
          'messaging.message.id': job.id,
          'jobline.job.name': job.name,
          'jobline.job.attempt': job.attempt,
          'jobline.job.retries': job.retries,
        },
      },
      base,
    );
    const outcome = api.context.with(api.trace.setSpan(base, span), run);
    if (outcome instanceof Promise) {
      return outcome.then((o) => {
        endProcess(api, span, o);
        return o;
      });
    }
    endProcess(api, span, outcome);
    return outcome;
  }
}

/** Ends a consumer span; a failed run, retried or not, marks it as an error. */
function endProcess(api: Api, span: Span, outcome: Outcome): void {
  if (outcome.kind === 'failed' || outcome.kind === 'retry') {
    let error: { name: string; message: string; stack?: string };
    try {
      error = JSON.parse(outcome.payload) as typeof error;
    } catch {
      error = { name: 'Error', message: outcome.payload };
    }
    failSpan(api, span, error);
  }
  span.end();
}

function failSpan(api: Api, span: Span, error: { name: string; message: string; stack?: string }): void {
  span.recordException({ name: error.name, message: error.message, stack: error.stack });
  span.setStatus({ code: api.SpanStatusCode.ERROR, message: `${error.name}: ${error.message}` });
}

/** W3C trace context: `version-traceid-spanid-flags`, lower-case hex. */
export function traceparent(sc: TraceContext): string {
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

/** The span context a traceparent names, or null when it is not a valid version-00 one (all-zero ids are invalid). */
export function parseTraceparent(value: string): TraceContext | null {
  const m = TRACEPARENT.exec(value);
  if (!m || m[1] === INVALID_TRACE_ID || m[2] === INVALID_SPAN_ID) return null;
  return { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16), isRemote: true };
}
