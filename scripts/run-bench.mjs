// `npm run bench [-- args]`: compiles src, examples and bench to .build/ with the Lua scripts beside the compiled
// engine (compile-run.mjs), then runs the harness with the args passed through. The harness starts and stops its own
// private redis-server.
import { spawnSync } from 'node:child_process';
import { compileForRun } from './compile-run.mjs';

function run(cmd, args) {
  const res = spawnSync(cmd, args, { stdio: 'inherit' });
  if (res.error) throw res.error;
  if (res.status !== 0) process.exit(res.status ?? 1);
}

compileForRun();

// --expose-gc lets the harness collect between runs, so one run's garbage is not collected on the next one's clock
run(process.execPath, ['--expose-gc', '.build/bench/run.js', ...process.argv.slice(2)]);
