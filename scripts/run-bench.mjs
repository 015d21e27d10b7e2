// `npm run bench [-- args]`: compiles src, examples and bench to .build/ (tsconfig.run.json), puts the Lua scripts
// next to the compiled engine (src/core/scripts.ts reads them relative to itself), then runs the harness with the
// args passed through. The harness starts and stops its own private redis-server.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

function run(cmd, args) {
  const res = spawnSync(cmd, args, { stdio: 'inherit' });
  if (res.error) throw res.error;
  if (res.status !== 0) process.exit(res.status ?? 1);
}

run('npx', ['tsc', '-p', 'tsconfig.run.json']);

const from = 'src/core/scripts';
const to = '.build/src/core/scripts';
mkdirSync(to, { recursive: true });
for (const file of readdirSync(from)) if (file.endsWith('.lua')) copyFileSync(`${from}/${file}`, `${to}/${file}`);

// --expose-gc lets the harness collect between runs, so one run's garbage is not collected on the next one's clock
run(process.execPath, ['--expose-gc', '.build/bench/run.js', ...process.argv.slice(2)]);
