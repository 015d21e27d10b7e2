// `npm run bench:retention [-- args]`: compiles as `npm run bench` does (compile-run.mjs), then runs issue 16's
// sustained retention run (bench/retention.ts), which starts and stops its own private redis-server.
import { spawnSync } from 'node:child_process';
import { compileForRun } from './compile-run.mjs';

compileForRun();
const res = spawnSync(process.execPath, ['.build/bench/retention.js', ...process.argv.slice(2)], { stdio: 'inherit' });
if (res.error) throw res.error;
process.exit(res.status ?? 1);
