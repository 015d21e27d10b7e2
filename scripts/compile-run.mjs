// Shared by `npm run demo` and `npm run bench`: compiles src/, examples/ and bench/ into .build/ (tsconfig.run.json)
// and copies the engine's Lua scripts beside the compiled JS (copy-lua.mjs).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyLua } from './copy-lua.mjs';

// Paths are taken from this file, not the working directory, so the step works from any cwd.
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LUA_OUT = join(ROOT, '.build/src/core/redis/scripts');

/** Compiles the project for running from source. Throws (with tsc's output already printed) when tsc fails. */
export function compileForRun() {
  // The project's own tsc (as `npx tsc` would pick), run through this node so no shell or PATH lookup is involved.
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const res = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.run.json'], { stdio: 'inherit', cwd: ROOT });
  if (res.status !== 0) throw new Error(`tsc -p tsconfig.run.json failed (exit ${res.status ?? res.signal})`);
  copyLua(LUA_OUT);
}
