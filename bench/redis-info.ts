import type { Redis } from 'ioredis';

/** Parses one INFO section into field -> value. */
export async function info(admin: Redis, section: string): Promise<Map<string, string>> {
  const text = await admin.info(section);
  const out = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) out.set(line.slice(0, at), line.slice(at + 1));
  }
  return out;
}

export async function usedMemory(admin: Redis): Promise<number> {
  return Number((await info(admin, 'memory')).get('used_memory'));
}

export async function redisVersion(admin: Redis): Promise<string> {
  return (await info(admin, 'server')).get('redis_version') ?? 'unknown';
}

/** Redis' own CPU seconds (user + sys): with the run's wall time it shows whether Redis or Node is the bottleneck. */
export async function redisCpuSeconds(admin: Redis): Promise<number> {
  const cpu = await info(admin, 'cpu');
  return Number(cpu.get('used_cpu_user')) + Number(cpu.get('used_cpu_sys'));
}

export interface CommandStat {
  command: string;
  calls: number;
  usec: number;
  usecPerCall: number;
}

/** INFO commandstats, heaviest first (by total time spent inside Redis). */
export async function commandStats(admin: Redis): Promise<CommandStat[]> {
  const stats: CommandStat[] = [];
  for (const [key, value] of await info(admin, 'commandstats')) {
    const fields = new Map(value.split(',').map((kv) => kv.split('=') as [string, string]));
    stats.push({
      command: key.replace(/^cmdstat_/, ''),
      calls: Number(fields.get('calls')),
      usec: Number(fields.get('usec')),
      usecPerCall: Number(fields.get('usec_per_call')),
    });
  }
  return stats.sort((a, b) => b.usec - a.usec);
}

/** Resets what commandStats and SLOWLOG report, so each run's figures are its own. */
export async function resetStats(admin: Redis): Promise<void> {
  await admin.config('RESETSTAT');
  await admin.slowlog('RESET');
}

/** A short text of where Redis spent its time in the last run, for profiling (`--redis-stats`). */
export async function describeRedisWork(admin: Redis): Promise<string> {
  const lines = (await commandStats(admin))
    .slice(0, 8)
    .map((s) => `      ${s.command.padEnd(14)} calls ${String(s.calls).padStart(8)}  total ${(s.usec / 1000).toFixed(0).padStart(7)} ms  ${s.usecPerCall.toFixed(1).padStart(8)} us/call`);
  const slow = (await admin.slowlog('GET', 5)) as [number, number, number, string[]][];
  for (const [, , usec, argv] of slow) lines.push(`      slowlog ${usec} us: ${argv.slice(0, 4).join(' ').slice(0, 90)}`);
  return lines.join('\n');
}
