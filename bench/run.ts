/**
 * `npm run bench [-- --quick]`: Jobline against BullMQ on a private Redis, scenarios of issue 4. Prints a table and
 * writes bench/results/latest.json (full scale) or latest-quick.json. Exits 1 when a guarantee broke (a job not
 * finished, or run twice) or a run failed, so a fast-but-wrong engine never looks like a win.
 */
import { mkdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import { parseArgs } from './config.js';
import { describeEnvironment } from './environment.js';
import { payloadBytes } from './payload.js';
import { startPrivateRedis } from './private-redis.js';
import { renderDisturbances, renderFailures, renderFloorShares, renderHeader, renderTable } from './report.js';
import { resultsFileName, writeResults } from './results-file.js';
import { BUSY_CORES, runScenarios } from './runner.js';
import { SCENARIOS } from './scenarios/index.js';
import { floorShares, summarizeAll } from './summary.js';

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const unknown = opts.only.filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  const scenarios = opts.only.length ? SCENARIOS.filter((s) => opts.only.includes(s.id)) : SCENARIOS;

  if (opts.profileDir) mkdirSync(opts.profileDir, { recursive: true });
  const server = await startPrivateRedis();
  const admin = new Redis(server.url);
  try {
    const env = await describeEnvironment(admin);
    const header = renderHeader(opts.scale, env, payloadBytes());
    console.log(header);
    const { results, failures } = await runScenarios(scenarios, {
      url: server.url,
      host: '127.0.0.1',
      port: server.port,
      admin,
      scale: opts.scale,
      contenders: opts.contenders,
      redisStats: opts.redisStats,
      profileDir: opts.profileDir,
      log: (line) => console.log(line),
    });
    const summary = summarizeAll(results, opts.scale);
    const shares = floorShares(summary);
    const table = renderTable(summary);
    console.log(`\n${table}`);
    if (shares.length) console.log(`\nShare of the Redis floor (same client work, minimal Lua):\n${renderFloorShares(shares)}`);
    const disturbed = renderDisturbances(summary, BUSY_CORES);
    if (disturbed) console.log(`\n${disturbed}`);
    const complete = opts.only.length === 0 && opts.contenders.length === 0 && opts.scale.rounds >= 3 && !opts.profileDir;
    const path = writeResults(resultsFileName(opts.scale, complete), {
      generatedAt: new Date().toISOString(),
      command: `npm run bench --${process.argv.slice(2).map((a) => ` ${a}`).join('')}`,
      scale: opts.scale,
      payloadBytes: payloadBytes(),
      environment: env,
      scenarios: summary,
      floorShares: shares,
      checks: { failed: failures },
      table,
    });
    console.log(`\nresults written to ${path}`);
    if (failures.length) {
      console.error(`\n${renderFailures(failures)}`);
      return 1;
    }
    console.log('\nall checks held (every checked job ended finished and ran exactly once)');
    return 0;
  } finally {
    await admin.quit();
    await server.stop();
  }
}

main().then(
  (code) => {
    // set, not process.exit(): the process must end by itself, which proves every connection and timer was closed
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  },
);
