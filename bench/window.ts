import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { describeRedisWork, redisCpuSeconds, resetStats } from './redis-info.js';

/**
 * The timed part of a run. Scenarios call `begin()` just before their clock starts and `end()` just after it stops,
 * so profiling (`--profile DIR`, a V8 CPU profile per run) and Redis statistics (`--redis-stats`: INFO commandstats,
 * SLOWLOG, Redis CPU) cover that part only, not the set-up (pre-filling queues) or the checks after it.
 * Without those flags `begin()` only collects garbage and `end()` does nothing.
 */
export interface Window {
  begin(): Promise<void>;
  end(): Promise<void>;
}

export interface WindowOptions {
  admin: Redis;
  redisStats: boolean;
  /** Directory for .cpuprofile files, or null. */
  profileDir: string | null;
  /** File-name stem: scenario, contender, round. */
  label: string;
  log: (line: string) => void;
}

/** Exposed by `node --expose-gc` (run-bench.mjs passes it). */
const gc = (globalThis as { gc?: () => void }).gc;

export function openWindow(opts: WindowOptions): Window {
  let session: Session | null = null;
  let t0 = 0;
  let cpu0 = 0;
  return {
    async begin() {
      // the set-up's garbage (a pre-filled queue's 100,000 items and handles) is collected before the clock starts,
      // as the runner collects between runs: otherwise a collection of it lands on whichever clock is running
      gc?.();
      if (opts.redisStats) {
        await resetStats(opts.admin);
        cpu0 = await redisCpuSeconds(opts.admin);
      }
      if (opts.profileDir) {
        session = new Session();
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.start');
      }
      t0 = performance.now();
    },
    async end() {
      const wallMs = performance.now() - t0;
      if (session) {
        const { profile } = await session.post('Profiler.stop');
        session.disconnect();
        session = null;
        const path = join(opts.profileDir!, `${opts.label}.cpuprofile`);
        writeFileSync(path, JSON.stringify(profile));
        opts.log(`      cpu profile of the timed window: ${path}`);
      }
      if (opts.redisStats) {
        const busyMs = ((await redisCpuSeconds(opts.admin)) - cpu0) * 1000;
        opts.log(`      redis-server CPU ${busyMs.toFixed(0)} ms over a ${wallMs.toFixed(0)} ms window (${((busyMs / wallMs) * 100).toFixed(0)}% of one core)`);
        opts.log(await describeRedisWork(opts.admin));
      }
    },
  };
}
