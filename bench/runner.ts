import type { Redis } from 'ioredis';
import type { Scale } from './config.js';
import { formatFigure } from './format.js';
import type { Contender, Metrics, RunContext, Scenario } from './types.js';
import { foreignLoad } from './foreign-load.js';
import { sleep } from './wait.js';
import { openWindow } from './window.js';

/** Everything measured for one contender in one scenario, over the rounds. */
export interface ContenderRuns {
  metrics: Metrics[];
  /** Set when the contender cannot run the scenario at all; it is then not retried in later rounds. */
  na?: string;
  errors: string[];
  /** The most CPU (in cores) other processes used during any of these runs. */
  foreignCores?: number;
}

/** Above this much CPU used by other processes during a run, its figure is flagged as disturbed. */
export const BUSY_CORES = 0.1;

export interface ScenarioRuns {
  scenario: Scenario;
  contenders: Map<Contender, ContenderRuns>;
}

export interface RunnerOptions {
  url: string;
  host: string;
  port: number;
  admin: Redis;
  scale: Scale;
  /** Contenders to run; empty: all. */
  contenders: string[];
  redisStats: boolean;
  profileDir: string | null;
  log: (line: string) => void;
}

/** Exposed by `node --expose-gc` (run-bench.mjs passes it): collecting between runs keeps one run's garbage out of the next. */
const gc = (globalThis as { gc?: () => void }).gc;

/**
 * Runs each scenario for `rounds` rounds; within a round the contenders alternate (Jobline, BullMQ, Jobline, ...),
 * so drift of the machine (thermal, other load) hits both alike. Every run starts from an empty Redis (FLUSHALL)
 * and a collected heap. Broken guarantees are collected in `failures`; a run that throws is recorded and the
 * benchmark goes on.
 */
export async function runScenarios(scenarios: Scenario[], opts: RunnerOptions): Promise<{ results: ScenarioRuns[]; failures: string[] }> {
  const failures: string[] = [];
  const results: ScenarioRuns[] = [];
  if (opts.redisStats) await opts.admin.config('SET', 'slowlog-log-slower-than', '1000');
  for (const scenario of scenarios) {
    const order = (Object.keys(scenario.runs) as Contender[]).filter((c) => opts.contenders.length === 0 || opts.contenders.includes(c));
    if (order.length === 0) continue;
    opts.log(`\n${scenario.id}: ${scenario.title(opts.scale)}`);
    const contenders = new Map<Contender, ContenderRuns>(order.map((c) => [c, { metrics: [], errors: [] }]));
    for (let round = 1; round <= opts.scale.rounds; round++) {
      for (const contender of order) {
        const record = contenders.get(contender)!;
        if (record.na !== undefined) continue;
        const where = `${scenario.id} ${contender} round ${round}`;
        const ctx: RunContext = {
          url: opts.url,
          host: opts.host,
          port: opts.port,
          admin: opts.admin,
          scale: opts.scale,
          round,
          window: openWindow({
            admin: opts.admin,
            redisStats: opts.redisStats,
            profileDir: opts.profileDir,
            label: `${scenario.id}-${contender}-${round}`,
            log: opts.log,
          }),
          check(ok, what) {
            if (!ok) failures.push(`${where}: ${what}`);
          },
        };
        await opts.admin.flushall();
        gc?.();
        await sleep(100);
        const t0 = performance.now();
        try {
          const { result: outcome, cores } = await foreignLoad(opts.admin, () => scenario.runs[contender]!(ctx));
          const secs = ((performance.now() - t0) / 1000).toFixed(1);
          const busy = cores !== null && cores >= BUSY_CORES ? `   WARNING: other processes used ${cores.toFixed(2)} cores meanwhile` : '';
          if (cores !== null && outcome.kind === 'ok') record.foreignCores = Math.max(record.foreignCores ?? 0, cores);
          if (outcome.kind === 'na') {
            record.na = outcome.reason;
            opts.log(`  round ${round}/${opts.scale.rounds}  ${contender.padEnd(8)} n/a (${outcome.reason})`);
          } else {
            record.metrics.push(outcome.metrics);
            const figures = scenario.metrics.map((m) => `${m.label} ${formatFigure(outcome.metrics[m.key], m.unit)}`).join(', ');
            opts.log(`  round ${round}/${opts.scale.rounds}  ${contender.padEnd(8)} ${figures}   (${secs} s)${busy}`);
          }
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          record.errors.push(message);
          failures.push(`${where}: threw ${message}`);
          opts.log(`  round ${round}/${opts.scale.rounds}  ${contender.padEnd(8)} FAILED: ${message}`);
        }
      }
    }
    results.push({ scenario, contenders });
  }
  return { results, failures };
}
