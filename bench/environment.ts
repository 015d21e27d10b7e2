import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Redis } from 'ioredis';
import { fileURLToPath } from 'node:url';
import { ROOT } from './paths.js';
import { redisVersion } from './redis-info.js';

/** What the figures were measured on: without it a results file cannot be compared with another. */
export interface Environment {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  platform: string;
  node: string;
  redis: string;
  jobline: string;
  /** The commit measured, '-dirty' when src/ had uncommitted changes (the figures then describe those). */
  commit: string;
  bullmq: string;
  ioredis: string;
}

function versionOf(packageJson: string): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL(packageJson, ROOT), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function commitOf(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: fileURLToPath(ROOT), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain', '--', 'src') ? '-dirty' : '');
  } catch {
    return 'unknown';
  }
}

export async function describeEnvironment(admin: Redis): Promise<Environment> {
  const cpus = os.cpus();
  return {
    cpus: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    redis: await redisVersion(admin),
    jobline: versionOf('package.json'),
    commit: commitOf(),
    bullmq: versionOf('node_modules/bullmq/package.json'),
    ioredis: versionOf('node_modules/ioredis/package.json'),
  };
}
