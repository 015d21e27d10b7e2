import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { redisCpuSeconds } from './redis-info.js';

/** Jiffies per second of /proc/stat (USER_HZ, 100 on every Linux build Node supports). */
const HZ = 100;

/** Shortest run whose foreign load is worth reporting. */
const MIN_WALL_S = 0.5;

function machineBusySeconds(): number | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - fields[3]! - fields[4]!) / HZ;
  } catch {
    return null;
  }
}

function selfSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * How much CPU processes other than this benchmark and its redis-server used during a run, in cores (0.5 = half a
 * core). On a shared 2-core machine a neighbour's test run can halve a figure; this makes that visible instead of
 * silently skewing one contender. Linux only (null elsewhere).
 */
export async function foreignLoad<T>(admin: Redis, run: () => Promise<T>): Promise<{ result: T; cores: number | null }> {
  const m0 = machineBusySeconds();
  const s0 = selfSeconds();
  const r0 = await redisCpuSeconds(admin);
  const t0 = performance.now();
  const result = await run();
  const wall = (performance.now() - t0) / 1000;
  const m1 = machineBusySeconds();
  const others = m0 === null || m1 === null ? null : m1 - m0 - (selfSeconds() - s0) - ((await redisCpuSeconds(admin)) - r0);
  // /proc/stat counts in 10 ms steps on each core: over a short run that error swamps the figure, so say nothing
  return { result, cores: others === null || wall < MIN_WALL_S ? null : Math.max(0, others / wall) };
}
