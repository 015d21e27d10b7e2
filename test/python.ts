import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { clusterNodes, onCluster, redisUrl } from './helpers.js';

const run = promisify(execFile);
let found: string | undefined;

/** A Python 3 that can `import redis` (Debian's /usr/bin/python3 with python3-redis: scripts/ensure-deps.mjs installs it). */
function pythonWithRedis(): string {
  if (found) return found;
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(candidate, ['-c', 'import redis'], { stdio: 'ignore' });
      return (found = candidate);
    } catch {
      // try the next one
    }
  }
  throw new Error('No python3 with the redis package: install it with `apt-get install -y python3-redis` (npm test does so when run as root).');
}

/**
 * Runs a Python program from the repository root; resolves to what it printed. Asynchronous, since the program often
 * waits for jobs that workers in this process run.
 */
export async function python(program: string): Promise<string> {
  const { stdout } = await run(pythonWithRedis(), ['-c', program], { encoding: 'utf8' });
  return stdout;
}

/** A Python expression for a redis-py client of this test pass: redis.Redis on one server, RedisCluster on the cluster. */
export function pythonRedis(): string {
  if (!onCluster()) return `redis.Redis.from_url(${JSON.stringify(redisUrl())})`;
  const [first] = clusterNodes();
  return `redis.cluster.RedisCluster(host=${JSON.stringify(first!.host)}, port=${first!.port})`;
}
