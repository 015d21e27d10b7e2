// How long the dashboard's pages take with 1,000,000 jobs in one queue: a private redis-server is filled through the
// public API (enqueueMany), then each page is fetched from a node:http server running QueueDashboard (as `jobline
// serve` does), N times, and the median and slowest are reported. Uses the built dist/ (npm run build first).
//
// Usage: node bench/dashboard.mjs [--jobs 1000000] [--repeat 20]
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { startRedisServer } from '../scripts/redis-server.mjs';

const { values: opts } = parseArgs({ options: { jobs: { type: 'string', default: '1000000' }, repeat: { type: 'string', default: '20' } } });
const JOBS = Number(opts.jobs);
const REPEAT = Number(opts.repeat);
const { QueueClient, QueueDashboard, dashboardSettings } = await import('../dist/index.js');

const server = await startRedisServer();
const quiet = { log() {}, warn() {}, error() {} };
const client = new QueueClient({ connection: server.url, prefix: 'dbench', logger: quiet, noWorkerWarning: false });
try {
  const t0 = Date.now();
  const CHUNK = 10_000;
  let lastId = '';
  for (let i = 0; i < JOBS; i += CHUNK) {
    const items = Array.from({ length: Math.min(CHUNK, JOBS - i) }, (_, k) => ({ name: 'bench.job', data: { n: i + k, text: 'a payload of some size' }, options: { queue: 'big' } }));
    const handles = await client.enqueueMany(items);
    lastId = handles[handles.length - 1].id;
  }
  const fillS = (Date.now() - t0) / 1000;
  // a few of every other status, so each page has something to show
  await client.enqueue('bench.job', { small: true }, { queue: 'small' });
  const dashboard = new QueueDashboard(client, dashboardSettings({}, 'bench'), quiet);
  const http = createServer((req, res) => void dashboard.handleNode(req, res).then((ok) => ok || res.writeHead(404).end()));
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${http.address().port}/jobline`;
  const pages = [
    ['overview', ''],
    ['queue, first page of 50 queued', '/queues/big?status=queued'],
    ['queue, page at offset 500,000', '/queues/big?status=queued&offset=500000'],
    ['queue, last page (offset 999,950)', `/queues/big?status=queued&offset=${Math.max(0, JOBS - 50)}`],
    ['job detail (lookup by id)', `/jobs/${lastId}`],
    ['workers', '/workers'],
  ];
  const rows = [];
  for (const [label, path] of pages) {
    const times = [];
    for (let i = 0; i < REPEAT; i++) {
      const s = process.hrtime.bigint();
      const res = await fetch(base + path);
      const body = await res.text();
      times.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 200)}`);
    }
    times.sort((a, b) => a - b);
    rows.push({ page: label, median: times[Math.floor(times.length / 2)], max: times[times.length - 1] });
  }
  http.close();
  const mem = (await client.getQueueSummaries(['big']))[0];
  console.log(`filled ${JOBS.toLocaleString('en-US')} queued jobs in ${fillS.toFixed(1)} s (queue big: ${mem.counts.queued.toLocaleString('en-US')} queued)`);
  console.log(`| page | median ms | slowest ms (of ${REPEAT}) |\n|---|---:|---:|`);
  for (const r of rows) console.log(`| ${r.page} | ${r.median.toFixed(1)} | ${r.max.toFixed(1)} |`);
} finally {
  await client.close();
  await server.stop();
}
