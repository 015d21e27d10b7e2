// `npm run demo`: compiles the example app and runs it against REDIS_URL, or, when that is unset, against a private
// redis-server started here (so the demo never touches a developer's Redis), then once more on a private 3-master
// Redis Cluster (the same app; its queues land on different masters). Exits 1 if any run found a problem.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compileForRun } from './compile-run.mjs';
import { startRedisCluster } from './redis-cluster.mjs';
import { startRedisServer } from './redis-server.mjs';

const ENTRY = fileURLToPath(new URL('../.build/examples/demo/main.js', import.meta.url));

function runNode(file, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { stdio: 'inherit', env });
    child.once('error', reject);
    // A demo killed by a signal counts as a failure, not as success.
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main() {
  try {
    compileForRun();
  } catch (err) {
    console.error(`[jobline] ${err.message}`);
    return 1;
  }
  if (process.env.REDIS_URL) return runNode(ENTRY, process.argv.includes('--dashboard') ? { ...process.env, JOBLINE_DEMO_DASHBOARD: 'keep' } : process.env);
  // --dashboard: one run (on the private redis-server) that stays up with the dashboard open until Ctrl-C
  const keep = process.argv.includes('--dashboard');
  const env = keep ? { ...process.env, JOBLINE_DEMO_DASHBOARD: 'keep' } : process.env;
  const server = await startRedisServer();
  console.log(`[jobline] started a private redis-server at ${server.url}`);
  let code;
  try {
    // Ctrl-C reaches the demo too (same process group): this process waits for it to close
    if (keep) process.on('SIGINT', () => {});
    code = await runNode(ENTRY, { ...env, REDIS_URL: server.url });
  } finally {
    await server.stop();
  }
  if (keep) return code;
  const cluster = await startRedisCluster({ masters: 3 });
  console.log(`\n[jobline] the same demo on a private 3-master Redis Cluster (${cluster.nodes.map((n) => n.port).join(', ')})`);
  try {
    const onCluster = await runNode(ENTRY, { ...process.env, JOBLINE_DEMO_CLUSTER: JSON.stringify(cluster.nodes) });
    return code || onCluster;
  } finally {
    await cluster.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`[jobline] demo failed: ${err instanceof Error ? err.stack : err}`);
    process.exit(1);
  },
);
