// `npm test`: type-checks and builds dist/ at once (two processes: two cores), then runs jest's two passes (the
// `single` and `cluster` projects of jest.config.js) at once, each in band in a jest process of its own. Each pass
// stays serial, as its files assume (some count a server's commands), and neither shares a server with the other;
// the whole run takes about the longer pass instead of the sum. Arguments go to jest: `--selectProjects` (one pass)
// runs one jest process as given; `--json --outputFile=<file>` (.ci/run) writes one report of both passes.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
// jest's package exports do not list its bin file
const jest = 'node_modules/jest/bin/jest.js';
const PASSES = ['single', 'cluster'];

/** Runs a process; resolves with its exit code. Output is passed through whole chunks, so two runs' lines stay whole. */
function run(cmd, args, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    child.stdout.on('data', (c) => process.stdout.write(c));
    child.stderr.on('data', (c) => process.stderr.write(c));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Runs `steps` one after the other, stopping at the first that fails. */
async function serial(steps) {
  for (const [cmd, args] of steps) {
    const code = await run(cmd, args);
    if (code !== 0) return code;
  }
  return 0;
}

const node = process.execPath;
// the type check (every file) and the build (dist/, which child-process tests run) are independent
const [typed, built] = await Promise.all([
  run(node, [tsc, '-p', 'tsconfig.json', '--noEmit']),
  serial([
    [node, ['scripts/clean-dist.mjs']],
    [node, [tsc, '-p', 'tsconfig.build.json']],
    [node, ['scripts/copy-lua.mjs']],
  ]),
]);
if (typed !== 0 || built !== 0) process.exit(typed || built);

// dist/ is fresh: the passes' global setups need not build it again (test/setup/build.js)
const env = { ...process.env, JOBLINE_TEST_BUILT: '1' };
const jestArgs = (extra) => ['--experimental-vm-modules', jest, '--runInBand', ...extra];
const args = process.argv.slice(2);
if (args.some((a) => a === '--selectProjects' || a.startsWith('--selectProjects='))) process.exit(await run(node, jestArgs(args), env));

// --json --outputFile: each pass writes its own report, merged into the one asked for
let outputFile = null;
const passArgs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--outputFile') outputFile = args[++i];
  else if (args[i].startsWith('--outputFile=')) outputFile = args[i].slice('--outputFile='.length);
  else if (args[i] !== '--json') passArgs.push(args[i]); // each pass is given --json below
}
const dir = mkdtempSync(join(tmpdir(), 'jobline-test-'));
const reportOf = (pass) => join(dir, `${pass}.json`);
// a file pattern may match files of one pass only
const codes = await Promise.all(
  PASSES.map((pass) => run(node, jestArgs(['--selectProjects', pass, '--passWithNoTests', '--json', `--outputFile=${reportOf(pass)}`, ...passArgs]), env)),
);
const reports = PASSES.map((pass) => {
  try {
    return JSON.parse(readFileSync(reportOf(pass), 'utf8'));
  } catch {
    return null;
  }
});
rmSync(dir, { recursive: true, force: true });
if (reports.every(Boolean)) {
  const merged = merge(reports);
  if (outputFile) writeFileSync(outputFile, JSON.stringify(merged));
  // one closing line for both passes (each jest printed its own summary above)
  console.log(`npm test: ${merged.numPassedTests} passed, ${merged.numFailedTests} failed, in ${merged.numTotalTestSuites} files of both passes`);
  if (merged.numTotalTestSuites === 0) {
    console.error('npm test: no test file matched');
    process.exit(1);
  }
}
process.exit(codes.find((c) => c !== 0) ?? (reports.every(Boolean) ? 0 : 1));

/** One jest JSON report of both passes: counts added up, test results of both. */
function merge([a, b]) {
  const out = { ...a };
  for (const [k, v] of Object.entries(a)) if (typeof v === 'number' && k.startsWith('num')) out[k] = v + (b[k] ?? 0);
  out.success = a.success && b.success;
  out.wasInterrupted = a.wasInterrupted || b.wasInterrupted;
  out.startTime = Math.min(a.startTime, b.startTime);
  out.testResults = [...a.testResults, ...b.testResults];
  out.openHandles = [...(a.openHandles ?? []), ...(b.openHandles ?? [])];
  return out;
}
