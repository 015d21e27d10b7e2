// Builds dist/ once per jest run (child-process workers in the tests run the compiled package, as a user's app
// would), whichever pass's setup asks first; not at all under scripts/test.mjs (`npm test`), which built it before
// starting the passes (two jest processes at once, which must not both rebuild it).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

export function buildOnce() {
  if (globalThis.__JOBLINE_BUILT__ || process.env.JOBLINE_TEST_BUILT === '1') return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync('node', ['scripts/clean-dist.mjs'], { stdio: 'inherit' });
  execFileSync('node', [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  execFileSync('node', ['scripts/copy-lua.mjs'], { stdio: 'inherit' });
  globalThis.__JOBLINE_BUILT__ = true;
}
