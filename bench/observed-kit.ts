import { createHash } from 'node:crypto';
import { context, trace, type Context, type Span, type SpanOptions, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { QUEUE } from './libs/jobline.js';
import { percentile } from './stats.js';
import type { RunContext } from './types.js';

// What issue 15's bench (scenarios/observed.ts) shares between its contenders: the tracing set-up an application
// registers, the jobs, the paired drains and their statistics.

/** An exporter that counts the consumer spans it is handed and drops them (the SDK's work per span is measured, not a collector's). */
export class CountingExporter implements SpanExporter {
  processSpans = 0;
  export(spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    for (const s of spans) if (s.name === `process ${QUEUE}`) this.processSpans++;
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

/** The registered provider's sampler, switched while jobs are enqueued (a provider is registered once per process). */
class SwitchedSampler implements Sampler {
  current: Sampler = new ParentBasedSampler({ root: new AlwaysOnSampler() });
  shouldSample(...args: Parameters<Sampler['shouldSample']>): ReturnType<Sampler['shouldSample']> {
    return this.current.shouldSample(...args);
  }
  toString(): string {
    return `switched(${this.current.toString()})`;
  }
}

/** Samplers as applications set them: every trace (the SDK's default), or 10% of the traces (parent-based). */
export const SAMPLERS = {
  all: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
  ratio: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }),
};
export const sampler = new SwitchedSampler();

/**
 * A tracer whose spans cost (almost) nothing: the API's non-recording span carrying a valid, sampled span context,
 * child of its parent's trace. Jobline does all its tracing work around it (the instrumented fetch, the traceparent,
 * the attributes, the context made current), so a worker tracing through it measures Jobline's own share of the cost
 * apart from the SDK's span.
 */
class StubTracer implements Tracer {
  private next = 0;
  /** the consumer spans Jobline started through it (so a stub drain is shown to have traced) */
  processSpans = 0;
  startSpan(name: string, _options?: SpanOptions, ctx?: Context): Span {
    if (name === `process ${QUEUE}`) this.processSpans++;
    const parent = trace.getSpanContext(ctx ?? context.active());
    const spanId = (++this.next).toString(16).padStart(16, '0');
    return trace.wrapSpanContext({ traceId: parent?.traceId ?? '0af7651916cd43dd8448eb211c80319c', spanId, traceFlags: 1 });
  }
  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...args: unknown[]): ReturnType<F> {
    const fn = args.at(-1) as (span: Span) => ReturnType<F>;
    const options = (args.length > 1 ? args[0] : undefined) as SpanOptions | undefined;
    const ctx = (args.length > 2 ? args[1] : undefined) as Context | undefined;
    const span = this.startSpan(name, options, ctx);
    return context.with(trace.setSpan(ctx ?? context.active(), span), fn, undefined, span) as ReturnType<F>;
  }
}

/** The registered provider: the SDK's, or the stub while a `stub` mode drains (a provider is registered once per process). */
class SwitchedProvider implements TracerProvider {
  stub = false;
  readonly stubTracer = new StubTracer();
  constructor(private readonly sdk: BasicTracerProvider) {}
  getTracer(name: string, version?: string): Tracer {
    const sdk = this.sdk.getTracer(name, version);
    const stub = this.stubTracer;
    const pick = () => (this.stub ? stub : sdk);
    return {
      startSpan: (...args: Parameters<Tracer['startSpan']>) => pick().startSpan(...args),
      startActiveSpan: ((...args: Parameters<Tracer['startActiveSpan']>) => (pick().startActiveSpan as (...a: unknown[]) => unknown)(...args)) as Tracer['startActiveSpan'],
    };
  }
}
let switched: SwitchedProvider | null = null;

/** Routes the registered provider's spans to the stub tracer (true) or the SDK's (false). */
export function useStubTracer(on: boolean): void {
  if (switched) switched.stub = on;
}

/** The consumer spans started through the stub tracer so far. */
export function stubProcessSpans(): number {
  return switched?.stubTracer.processSpans ?? 0;
}
export const exporter = new CountingExporter();
let provider: BasicTracerProvider | null = null;

/** The OpenTelemetry SDK as an application registers it: async context, batched export (once per process). */
export function registerTracing(): BasicTracerProvider {
  if (provider) return provider;
  provider = new BasicTracerProvider({ sampler, spanProcessors: [new BatchSpanProcessor(exporter)] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  switched = new SwitchedProvider(provider);
  trace.setGlobalTracerProvider(switched);
  return provider;
}

/** The jobs: no-op, or a fixed ~1 ms of CPU (SHA-256 over 64 KiB blocks, the count calibrated per process). */
export const WORKS = ['noop', 'cpu'] as const;
export type Work = (typeof WORKS)[number];

const BLOCK = Buffer.alloc(64 * 1024, 7);
export function hashBlocks(blocks: number): string {
  let h = '';
  for (let i = 0; i < blocks; i++) h = createHash('sha256').update(BLOCK).update(h).digest('hex');
  return h;
}

let calibrated = 0;
/** How many blocks take ~1 ms of this process's CPU (CPU time, so the machine's other load does not skew it). */
export function blocksPerMs(): number {
  if (calibrated) return calibrated;
  hashBlocks(50);
  const t0 = process.cpuUsage();
  hashBlocks(500);
  const used = process.cpuUsage(t0);
  calibrated = Math.max(1, Math.round(500 / ((used.user + used.system) / 1000)));
  return calibrated;
}

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
export const median = (values: number[]) => percentile(sorted(values), 50);

/**
 * A distribution-free 95% confidence interval of the median of `values` (independent pairs): the order statistics
 * n/2 -/+ 0.98 sqrt(n) (the binomial's normal approximation), so one disturbed pair cannot move it much.
 */
export function medianInterval(values: number[]): [number, number] {
  const s = sorted(values);
  const half = 0.98 * Math.sqrt(s.length);
  const lo = Math.max(0, Math.floor(s.length / 2 - half));
  const hi = Math.min(s.length - 1, Math.ceil(s.length / 2 + half) - 1);
  return [s[lo] ?? NaN, s[hi] ?? NaN];
}

/** Exposed by `node --expose-gc` (run-bench.mjs passes it). */
export const gc = (globalThis as { gc?: () => void }).gc;

/** A drain's CPU µs per job: in all (this process and Redis), and of that the handlers' work (the 1 ms jobs'). */
export interface Drain {
  total: number;
  work: number;
}

/** Timed cycles per kind of job and round (the 1 ms jobs' small differences need more), after WARM_CYCLES untimed ones (JIT, the SDK's first spans, caches). */
export const cycles = (work: Work) => (work === 'noop' ? 8 : 20);
export const WARM_CYCLES = 2;
/** Jobs per drain: short drains, many of them, interleaved, so the machine's drift hits every mode alike. */
export const drainJobs = (work: Work, jobs: number) => (work === 'noop' ? Math.ceil(jobs / 5) : Math.ceil(jobs / 50));

/** One mode's worker of a contender, kept running between drains. */
export interface PairedRig<M extends string> {
  readonly mode: M;
  drain(ctx: RunContext, jobs: number): Promise<Drain>;
}

/** The series a round's cycles give: CPU µs per job and ratio to off per mode, and both's split on 1 ms jobs. */
export interface PairedSeries<M extends string> {
  total: Record<M, number[]>;
  ratios: Record<M, number[]>;
  /** metrics + tracing against off, the CPU outside the jobs' work (per job, as a share of off's whole job) */
  outside: number[];
  /** metrics + tracing against off, the work itself (whether observing makes the handler's own code slower) */
  workRatio: number[];
}

/**
 * Drains every observed rig right beside a drain of `off` (so both see the same moment of the machine), the modes'
 * order rotating by cycle and off's side alternating (off first, then second), so drift favours neither; the first
 * WARM_CYCLES cycles are not timed.
 */
export async function pairedCycles<M extends string>(ctx: RunContext, work: Work, modes: readonly M[], off: PairedRig<M>, observed: PairedRig<M>[]): Promise<PairedSeries<M>> {
  const series: PairedSeries<M> = {
    total: Object.fromEntries(modes.map((m) => [m, [] as number[]])) as Record<M, number[]>,
    ratios: Object.fromEntries(modes.map((m) => [m, [] as number[]])) as Record<M, number[]>,
    outside: [],
    workRatio: [],
  };
  const jobs = drainJobs(work, ctx.scale.jobs);
  for (let cycle = -WARM_CYCLES; cycle < cycles(work); cycle++) {
    for (let i = 0; i < observed.length; i++) {
      const rig = observed[(i + cycle + WARM_CYCLES + ctx.round) % observed.length]!;
      const offFirst = (cycle + i) % 2 === 0;
      const a = await (offFirst ? off : rig).drain(ctx, jobs);
      const b = await (offFirst ? rig : off).drain(ctx, jobs);
      if (cycle < 0) continue;
      const [base, on] = offFirst ? [a, b] : [b, a];
      series.total[off.mode].push(base.total);
      series.total[rig.mode].push(on.total);
      series.ratios[rig.mode].push((on.total / base.total - 1) * 100);
      if (work === 'cpu' && rig.mode === 'both') {
        series.outside.push(((on.total - on.work - (base.total - base.work)) / base.total) * 100);
        series.workRatio.push((on.work / base.work - 1) * 100);
      }
    }
  }
  return series;
}

export const key = (work: Work, mode: string) => `${work}_${mode}`;
export const ratioKey = (work: Work, mode: string) => `${work}_${mode}_vs_off`;

/** A round's figures from its series: medians, the 95% interval of both's median ratio, and both's split. */
export function pairedFigures<M extends string>(work: Work, modes: readonly M[], series: PairedSeries<M>, into: Record<string, number>): void {
  for (const mode of modes) {
    into[key(work, mode)] = median(series.total[mode]);
    if (mode === 'off') continue;
    into[ratioKey(work, mode)] = median(series.ratios[mode]);
  }
  const both = (series.ratios as Record<string, number[]>).both;
  if (both?.length) [into[`${work}_both_lo`], into[`${work}_both_hi`]] = medianInterval(both);
  if (work === 'cpu' && series.outside.length) {
    into.cpu_both_outside = median(series.outside);
    [into.cpu_both_outside_lo, into.cpu_both_outside_hi] = medianInterval(series.outside);
    into.cpu_both_work = median(series.workRatio);
  }
}

/** A mode's worker that the observed runs open, drain in pairs, count and close. */
export interface ObservedRig<M extends string> extends PairedRig<M> {
  readonly ran: number;
  close(): Promise<void>;
}

/**
 * A contender's observed run, per kind of job: opens a rig per mode, drains them in pairs beside off, checks (`check`,
 * then that every run of a mode `spanned` says makes a consumer span reached the exporter, none dropped for free by a
 * full processor queue), and returns the figures. The clock's window covers the drains only.
 */
export async function observeWorks<M extends string, R extends ObservedRig<M>>(
  ctx: RunContext,
  who: string,
  modes: readonly M[],
  open: (mode: M, work: Work) => Promise<R>,
  spanned: (mode: M) => boolean,
  check?: (rig: R) => Promise<void>,
): Promise<Record<string, number>> {
  const tracing = registerTracing();
  const figures: Record<string, number> = {};
  await ctx.window.begin();
  for (const work of WORKS) {
    const rigs: R[] = [];
    try {
      for (const mode of modes) rigs.push(await open(mode, work));
      const spans0 = exporter.processSpans;
      const [off, ...observed] = rigs as [R, ...R[]];
      const series = await pairedCycles(ctx, work, modes, off, observed);
      if (check) for (const rig of rigs) await check(rig);
      await tracing.forceFlush();
      const expected = rigs.filter((r) => spanned(r.mode)).reduce((s, r) => s + r.ran, 0);
      const got = exporter.processSpans - spans0;
      ctx.check(got >= expected, `${who} processing, ${work}: ${got} consumer spans exported, expected at least ${expected}`);
      pairedFigures(work, modes, series, figures);
    } finally {
      for (const rig of rigs) await rig.close();
      await ctx.admin.flushall();
    }
  }
  await ctx.window.end();
  return figures;
}
