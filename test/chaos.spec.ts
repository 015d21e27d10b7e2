import { fileURLToPath } from 'node:url';
import { startRedisServer } from '../scripts/redis-server.mjs';
import { formatReport, runChaos } from './chaos/harness.js';

// CHAOS_SEED repeats a run's choices (the timing of a real run never repeats exactly); otherwise each run picks one.
// CHAOS_REPORT=1 prints the run's figures even when it passes.
const seed = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) : Math.floor(Math.random() * 2 ** 31);

describe('chaos: workers killed with SIGKILL and Redis stopped (SHUTDOWN and SIGKILL) while jobs run', () => {
  it('loses nothing, leaves nothing started, reruns only runs a kill cut short, runs every callback, keeps dependency order', async () => {
    const report = await runChaos({
      seed,
      jobs: 3000,
      workers: 3,
      concurrency: 10,
      leaseTime: '3s',
      chaosMs: 20_000,
      catchUpMs: 5_000,
      enqueueMs: 16_000,
      killEveryMs: [1000, 2000],
      redisStopEveryMs: [2500, 4000],
      // long enough that a kill usually finds runs to cut short
      maxJobMs: 200,
      // a dependent in the other queue may wait for its outbox message, whose claim (2 s) a killed deliverer leaves to
      // run out, then for a maintenance step
      drainTimeoutMs: 45_000,
      startRedis: startRedisServer,
      workerScript: fileURLToPath(new URL('fixtures/chaos-worker.mjs', import.meta.url)),
    });
    if (report.problems.length || process.env.CHAOS_REPORT) console.error(formatReport(report));
    expect({ seed, problems: report.problems }).toEqual({ seed, problems: [] });
    // the run really was one of faults: kills that cut runs short, and both kinds of Redis stop
    expect(report.kills).toBeGreaterThanOrEqual(3);
    expect(report.reruns.midRun).toBeGreaterThan(0);
    expect(report.redisRestarts.graceful).toBeGreaterThanOrEqual(2);
    expect(report.redisRestarts.sigkill).toBeGreaterThanOrEqual(2);
    expect(report.lost).toBe(0);
  }, 120_000);
});
