// `npm run bench:retention [-- --seconds 60 --rounds 2 --cap 10000 --sizing]`: issue 16's sustained run. One producer keeps
// a backlog of no-op jobs (100-byte payloads) topped up while one worker (concurrency 100) runs them as fast as it
// can, for `seconds`, once with finished jobs kept by the default resultTtl (500 s) and once capped at `cap`
// finished jobs, alternating A B A B over `rounds`. Prints the processed rate of each run and Redis used_memory
// every 5 s: capped, memory must stay flat after the first seconds, and the rate within 5% of the uncapped run.
// `--sizing` prints the bytes per job of each status instead (the README's sizing table).
import { HandlerRegistry, QueueClient, Worker, type KeepOptions } from '../src/core/index.js';
import { Redis } from 'ioredis';
import { makePayload, makePayloads } from './payload.js';
import { startPrivateRedis } from './private-redis.js';
import { usedMemory } from './redis-info.js';

const NOOP = 'bench.noop';
const FAIL = 'bench.fail';
const QUEUE = 'bench';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

interface RunResult {
  label: string;
  processed: number;
  seconds: number;
  /** used_memory (bytes) at each 5 s mark */
  memory: number[];
  finishedKept: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sustained(url: string, admin: Redis, label: string, seconds: number, keep: KeepOptions | undefined): Promise<RunResult> {
  await admin.flushall();
  const queues = keep ? { [QUEUE]: { keep } } : undefined;
  const producer = new QueueClient({ connection: url, prefix: 'bench', defaultQueue: QUEUE, noWorkerWarning: false, queues });
  const registry = new HandlerRegistry();
  let processed = 0;
  registry.register({ name: NOOP, source: 'bench', defaults: {}, handle: () => void processed++ });
  const consumer = new QueueClient({ connection: url, prefix: 'bench', defaultQueue: QUEUE, registry, queues, logger: { log() {}, warn() {}, error: console.error } });
  const worker = new Worker(consumer, registry, { queues: [QUEUE], concurrency: 100 });
  const items = makePayloads(2000).map((data) => ({ name: NOOP, data }));
  // a backlog first, so the worker never waits for the producer
  for (let i = 0; i < 20; i++) await producer.enqueueMany(items);
  let stop = false;
  const topUp = (async () => {
    while (!stop) {
      const queued = (await producer.countJobs(QUEUE)).queued;
      if (queued < 40_000) await producer.enqueueMany(items);
      else await sleep(5);
    }
  })();
  const memory: number[] = [];
  worker.start();
  const started = performance.now();
  const from = processed;
  for (let s = 5; s <= seconds; s += 5) {
    await sleep(started + s * 1000 - performance.now());
    memory.push(await usedMemory(admin));
  }
  const done = processed - from;
  const elapsed = (performance.now() - started) / 1000;
  stop = true;
  await topUp;
  await worker.close();
  const finishedKept = (await producer.countJobs(QUEUE)).finished;
  await consumer.close();
  await producer.close();
  return { label, processed: done, seconds: elapsed, memory, finishedKept };
}

/** Marginal bytes per job of each status: used_memory after minus before `n` jobs, one job already there. */
async function sizing(url: string, admin: Redis): Promise<void> {
  const n = 20_000;
  const registry = new HandlerRegistry();
  registry.register({ name: NOOP, source: 'bench', defaults: {}, handle: () => ({ ok: true, id: 12345 }) });
  registry.register({
    name: FAIL,
    source: 'bench',
    defaults: {},
    handle: () => {
      throw new Error('the mail server refused the message');
    },
  });
  const quiet = { log() {}, warn() {}, error() {} };
  const measure = async (label: string, enqueue: (client: QueueClient, count: number) => Promise<unknown>, run?: string) => {
    await admin.flushall();
    const client = new QueueClient({ connection: url, prefix: 'bench', defaultQueue: QUEUE, registry, noWorkerWarning: false, logger: quiet });
    await enqueue(client, 1);
    let worker: Worker | null = null;
    const waitFor = async (count: number) => {
      for (;;) {
        const c = await client.countJobs(QUEUE);
        if ((run === 'failed' ? c.failed : c.finished) >= count) return;
        await sleep(50);
      }
    };
    if (run) {
      worker = new Worker(client, registry, { queues: [QUEUE], concurrency: 100 });
      worker.start();
      await waitFor(1);
    }
    await sleep(100);
    const before = await usedMemory(admin);
    await enqueue(client, n);
    if (run) await waitFor(n + 1);
    await sleep(100);
    const after = await usedMemory(admin);
    await worker?.close();
    await client.close();
    console.log(`| ${label} | ${Math.round((after - before) / n)} |`);
  };
  const items = (name: string, count: number, options = {}) => Array.from({ length: count }, (_, i) => ({ name, data: makePayload(i), options }));
  console.log('| status | bytes/job |\n|---|---|');
  await measure('queued', (c, k) => c.enqueueMany(items(NOOP, k)));
  await measure('deferred (on one parent)', async (c, k) => {
    const parent = await c.enqueue(NOOP, null, { delay: '1h' });
    return c.enqueueMany(items(NOOP, k, { dependsOn: parent.id }));
  });
  await measure('scheduled (delay)', (c, k) => c.enqueueMany(items(NOOP, k, { delay: '1h' })));
  await measure('finished', (c, k) => c.enqueueMany(items(NOOP, k)), 'finished');
  await measure('failed (error with stack)', (c, k) => c.enqueueMany(items(FAIL, k)), 'failed');
  const [, value] = (await admin.config('GET', 'hash-max-listpack-value')) as unknown as string[];
  await admin.config('SET', 'hash-max-listpack-value', '1024');
  await measure('failed, hash-max-listpack-value 1024', (c, k) => c.enqueueMany(items(FAIL, k)), 'failed');
  await admin.config('SET', 'hash-max-listpack-value', value!);
}

const mb = (b: number) => (b / 1048576).toFixed(1);

async function main(): Promise<void> {
  const redis = await startPrivateRedis();
  const admin = new Redis(redis.url);
  try {
    if (process.argv.includes('--sizing')) {
      await sizing(redis.url, admin);
      return;
    }
    const seconds = arg('seconds', 60);
    const rounds = arg('rounds', 2);
    const cap = arg('cap', 10_000);
    const results: RunResult[] = [];
    for (let r = 0; r < rounds; r++) {
      results.push(await sustained(redis.url, admin, 'uncapped', seconds, undefined));
      results.push(await sustained(redis.url, admin, `cap ${cap}`, seconds, { finished: { count: cap } }));
    }
    console.log(`| run | jobs/s | finished kept at end | used_memory MB every 5 s |\n|---|---|---|---|`);
    for (const x of results) {
      console.log(`| ${x.label} | ${Math.round(x.processed / x.seconds)} | ${x.finishedKept} | ${x.memory.map(mb).join(' ')} |`);
    }
    const rate = (label: string) => {
      const runs = results.filter((x) => x.label === label);
      return runs.reduce((a, x) => a + x.processed, 0) / runs.reduce((a, x) => a + x.seconds, 0);
    };
    const capped = rate(`cap ${cap}`);
    const uncapped = rate('uncapped');
    console.log(`\ncapped / uncapped rate: ${(capped / uncapped).toFixed(3)} (${Math.round(capped)} / ${Math.round(uncapped)} jobs/s)`);
    for (const x of results.filter((y) => y.label !== 'uncapped')) {
      const tail = x.memory.slice(2);
      console.log(`${x.label}: used_memory from ${seconds > 10 ? 10 : 5} s on: min ${mb(Math.min(...tail))} MB, max ${mb(Math.max(...tail))} MB`);
    }
  } finally {
    admin.disconnect();
    await redis.stop();
  }
}

await main();
