// `npm run chaos [-- --jobs 100000 --seed <n> --workers 3 --rate 700]`: the long chaos run. Builds dist/ (the worker
// processes run the package as an app would) and compiles the harness (test/chaos/harness.ts, shared with the jest
// chaos test) to .build/, then runs it against its own redis-server and prints the figures. Exits 1 on any problem.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { compileForRun } from './compile-run.mjs';
import { startRedisServer } from './redis-server.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '100000' },
    seed: { type: 'string' },
    workers: { type: 'string', default: '3' },
    // jobs enqueued per second (the chaos goes on until the workers have caught up)
    rate: { type: 'string', default: '200' },
  },
});
const number = (name, min) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min) {
    console.error(`[jobline] --${name} must be a whole number of at least ${min}; got ${values[name]}`);
    process.exit(2);
  }
  return n;
};
const jobs = number('jobs', 1);
const workers = number('workers', 1);
const rate = number('rate', 1);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : number('seed', 0);

// dist/ as the test setup builds it (test/setup/global-setup.js)
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, ['scripts/clean-dist.mjs'], { stdio: 'inherit', cwd: ROOT });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit', cwd: ROOT });
execFileSync(process.execPath, ['scripts/copy-lua.mjs'], { stdio: 'inherit', cwd: ROOT });
compileForRun();

const { runChaos, formatReport } = await import(pathToFileURL(`${ROOT}.build/test/chaos/harness.js`).href);
const enqueueMs = Math.ceil((jobs / rate) * 1000);
console.log(`[jobline] chaos: ${jobs} jobs over ${Math.round(enqueueMs / 1000)} s, ${workers} worker processes, seed ${seed}`);
const abort = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    console.log(`[jobline] ${sig}: stopping the workers and Redis`);
    abort.abort();
    setTimeout(() => process.exit(130), 1000);
  });
}
const report = await runChaos({
  seed,
  jobs,
  workers,
  concurrency: 20,
  leaseTime: '3s',
  chaosMs: enqueueMs,
  // on a busy machine the killed workers' start-up limits throughput: the faults go on until nearly all jobs ran
  catchUpMs: 4 * enqueueMs,
  enqueueMs,
  killEveryMs: [1000, 2000],
  // not much more often: each start loads the whole append-only file, which grows with the run
  redisStopEveryMs: [20_000, 40_000],
  maxJobMs: 50,
  drainTimeoutMs: 60_000,
  startRedis: startRedisServer,
  workerScript: fileURLToPath(new URL('../test/fixtures/chaos-worker.mjs', import.meta.url)),
  progress: (line) => console.log(`[jobline] ${line}`),
  signal: abort.signal,
});
console.log(formatReport(report));
process.exit(report.problems.length ? 1 : 0);
