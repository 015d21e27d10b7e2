import { resolve } from 'node:path';

/** Sizes of every scenario. The full scale is issue 4's; `--quick` divides the work by ten. */
export interface Scale {
  name: 'full' | 'quick';
  /** Jobs per throughput and memory run. */
  jobs: number;
  /** enqueueMany / addBulk batch size (an API shape, so --quick keeps it). */
  batch: number;
  /** Single enqueues in flight at once. */
  inFlight: number;
  /** Worker concurrency in every processing scenario. */
  concurrency: number;
  /** Steady producer rate of the latency scenario, jobs/s. */
  latencyRate: number;
  latencySeconds: number;
  /** Children of the fan-in parent, dependents of the fan-out root. */
  fanSize: number;
  /** The delayed scenario's `jobs` fall due evenly over this many seconds (10,000 a second at either scale). */
  delaySeconds: number;
  rounds: number;
}

export const FULL: Scale = {
  name: 'full',
  jobs: 100_000,
  batch: 1_000,
  inFlight: 50,
  concurrency: 100,
  latencyRate: 2_000,
  latencySeconds: 20,
  fanSize: 10_000,
  delaySeconds: 10,
  rounds: 3,
};

// The latency scenario keeps its rate (a rate is not "work") and shortens its window instead.
export const QUICK: Scale = { ...FULL, name: 'quick', jobs: 10_000, latencySeconds: 2, fanSize: 1_000, delaySeconds: 1 };

export interface CliOptions {
  scale: Scale;
  /** Scenario ids to run; empty: all. */
  only: string[];
  /** Contenders to run; empty: all (used to profile one library alone). */
  contenders: string[];
  /** Print Redis INFO commandstats, SLOWLOG and Redis CPU of every run's timed window (for profiling). */
  redisStats: boolean;
  /** Write a V8 CPU profile of every run's timed window into this directory. */
  profileDir: string | null;
}

const USAGE = `usage: npm run bench -- [--quick] [--rounds N] [--only id,id] [--lib jobline|bullmq|redis] [--redis-stats] [--profile DIR]`;

export function parseArgs(argv: string[]): CliOptions {
  let scale = FULL;
  let rounds: number | undefined;
  const only: string[] = [];
  const contenders: string[] = [];
  let redisStats = false;
  let profileDir: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    if (arg === '--quick') scale = QUICK;
    else if (arg === '--rounds') rounds = Number(value());
    else if (arg === '--only') only.push(...value().split(','));
    else if (arg === '--lib') contenders.push(...value().split(','));
    else if (arg === '--redis-stats') redisStats = true;
    else if (arg === '--profile') profileDir = resolve(value());
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  const bad = contenders.filter((c) => !['jobline', 'bullmq', 'redis'].includes(c));
  if (bad.length) throw new Error(`unknown --lib ${bad.join(', ')}: use jobline, bullmq or redis\n${USAGE}`);
  if (rounds !== undefined) {
    if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number >= 1\n${USAGE}`);
    scale = { ...scale, rounds };
  }
  return { scale, only, contenders, redisStats, profileDir };
}
