import { execFile } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { INestApplicationContext } from '@nestjs/common';
import { JOBLINE_CLIENT, JobMetrics, type QueueClient } from '../../src/index.js';
import { EventTally } from './event-tally.js';

/** The compiled `jobline` binary beside this file's compiled copy (.build/examples/demo -> .build/src/cli). */
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function jobline(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: process.env, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Sum of a counter's samples whose labels include `match` (Prometheus text format). */
function sum(text: string, metric: string, match: string): number {
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${metric}{`) && line.includes(match)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  return total;
}

/**
 * Operating the demo's queues while its consumer still runs: the `jobline` command line (a child process, as an
 * operator would run it) shows the queues and the live worker, and the Prometheus metrics counted the same runs that
 * @OnJobEvent heard. Returns what went differently than expected.
 */
export async function showOperate(app: INestApplicationContext): Promise<string[]> {
  const problems: string[] = [];
  const client = app.get<QueueClient>(JOBLINE_CLIENT);
  // the Redis the app uses: REDIS_URL (inherited), or the demo's cluster, whose nodes the command line takes as JSON
  const prefix = ['--prefix', client.prefix, ...(process.env.JOBLINE_DEMO_CLUSTER ? ['--cluster', process.env.JOBLINE_DEMO_CLUSTER] : [])];

  console.log('$ jobline queues');
  const queues = await jobline([...prefix, 'queues']);
  console.log(queues.stdout.trimEnd().replace(/^/gm, '  '));
  if (queues.code !== 0) problems.push(`jobline queues exited ${queues.code}: ${queues.stderr.trim()}`);

  const workers = await jobline([...prefix, 'workers', '--json']);
  const listed = workers.code === 0 ? (JSON.parse(workers.stdout) as { workers: { id: string; queues: string[] }[] }).workers : [];
  console.log(`$ jobline workers --json  -> ${listed.map((w) => `${w.id} on ${w.queues.join(',')}`).join('; ') || 'none'}`);
  if (listed.length !== 1 || !listed[0]!.queues.includes('time')) problems.push(`jobline workers listed ${JSON.stringify(listed)}, expected the demo's one consumer`);

  // the counters are fed by the same job events as EventTally: they agree once the last events are in
  const metrics = app.get(JobMetrics);
  const tally = app.get(EventTally);
  const heard = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  let counted = { completed: -1, failed: -1 };
  for (let i = 0; i < 50; i++) {
    const text = (await metrics.scrape()).body;
    counted = { completed: sum(text, 'jobline_jobs_processed_total', 'outcome="completed"'), failed: sum(text, 'jobline_jobs_processed_total', 'outcome="failed"') };
    if (counted.completed === heard(tally.completed) && counted.failed === heard(tally.failed)) break;
    await delay(100);
  }
  const text = (await metrics.scrape()).body;
  console.log(
    `- metrics: jobline_jobs_processed_total ${counted.completed} completed, ${counted.failed} failed, ` +
      `${sum(text, 'jobline_jobs_processed_total', 'outcome="retried"')} retried; ` +
      `jobline_jobs_enqueued_total ${sum(text, 'jobline_jobs_enqueued_total', 'queue=')}`,
  );
  if (counted.completed !== heard(tally.completed) || counted.failed !== heard(tally.failed)) {
    problems.push(`the metrics counted ${JSON.stringify(counted)}, @OnJobEvent heard ${heard(tally.completed)} completed and ${heard(tally.failed)} failed`);
  }
  return problems;
}
