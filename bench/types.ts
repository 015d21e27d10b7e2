import type { Redis } from 'ioredis';
import type { Scale } from './config.js';
import type { Window } from './window.js';

/** Who runs a scenario: the two queues under test, and bare Redis for the floor. */
export type Contender = 'jobline' | 'bullmq' | 'redis';

/** Whether a bigger or a smaller figure wins; it decides how the report reads a ratio. */
export type Better = 'higher' | 'lower';

/** A target from issue 4, stated as a ratio Jobline/BullMQ of the medians. */
export interface Target {
  op: '>=' | '<=';
  ratio: number;
}

export interface MetricSpec {
  key: string;
  label: string;
  unit: 'jobs/s' | 'ms' | 'B/job' | 'µs/job' | '%';
  better: Better;
  target?: Target;
}

/** One run's figures, keyed by MetricSpec.key. */
export type Metrics = Record<string, number>;

/** A run either measures, or says why the contender cannot run the scenario (e.g. a feature not built yet). */
export type RunOutcome = { kind: 'ok'; metrics: Metrics } | { kind: 'na'; reason: string };

/** What every scenario run gets: the private Redis, the sizes, and a way to report a broken guarantee. */
export interface RunContext {
  url: string;
  host: string;
  port: number;
  /** A plain connection for FLUSHALL, INFO and verification reads; never used by the queues themselves. */
  admin: Redis;
  scale: Scale;
  round: number;
  /** Marks the timed part of the run, for --profile and --redis-stats. */
  window: Window;
  /** Records a correctness check; a false `ok` fails the whole benchmark loudly at the end. */
  check(ok: boolean, what: string): void;
}

export type RunFn = (ctx: RunContext) => Promise<RunOutcome>;

export interface Scenario {
  id: string;
  /** Worded from the scale, so a --quick table says what it measured. */
  title: (scale: Scale) => string;
  metrics: MetricSpec[];
  /** Contenders in the order they alternate within a round (A B A B ...). */
  runs: Partial<Record<Contender, RunFn>>;
}
