// Screenshots of the dashboard's main pages for the README (docs/dashboard-*.png), from a real run: a private
// redis-server, workers running a few queues' jobs (some fail, one retries, one waits on another, a schedule ticks),
// the dashboard on a node:http server as `jobline serve` mounts it, and headless Chromium (playwright-core).
// Usage: npm run build && node scripts/screenshots.mjs
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions } from './chromium.mjs';
import { startRedisServer } from './redis-server.mjs';

const { HandlerRegistry, QueueClient, QueueDashboard, Worker, dashboardSettings } = await import('../dist/index.js');
const OUT = new URL('../docs/', import.meta.url);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quiet = { log() {}, warn() {}, error() {} };

const server = await startRedisServer();
const registry = new HandlerRegistry();
const handler = (name, handle) => registry.register({ name, source: `screens.${name}`, defaults: {}, handle });
handler('email.send', async (d) => {
  await sleep(20 + Math.random() * 60);
  if (d.to.endsWith('@bounce.test')) throw new Error(`Mailbox ${d.to} does not exist (550 5.1.1)`);
  return { messageId: `<${Math.random().toString(36).slice(2)}@mail.test>` };
});
handler('image.resize', async (d) => {
  await sleep(50 + Math.random() * 150);
  return { width: d.width, bytes: 1000 + d.width * 37 };
});
handler('report.build', async () => {
  await sleep(3000);
  return 'ok';
});
const client = new QueueClient({ connection: server.url, prefix: 'screens', registry, logger: quiet, logFailedJobs: false });
const workers = [
  new Worker(client, registry, { queues: ['email', 'images'], concurrency: 8 }),
  new Worker(client, registry, { queues: ['images'], concurrency: 4 }),
  new Worker(client, registry, { queues: ['reports'], concurrency: 2 }),
];
workers.forEach((w) => w.start());
const dashboard = new QueueDashboard(client, dashboardSettings({}, 'screenshots'), quiet);
const http = createServer((req, res) => void dashboard.handleNode(req, res).then((ok) => ok || res.writeHead(404).end()));
await new Promise((r) => http.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${http.address().port}/jobline`;
let browser;
try {
  await client.upsertSchedule('nightly-digest', { cron: '0 3 * * *' }, 'email.send', { to: 'team@example.test', digest: true }, { queue: 'email' });
  await client.upsertSchedule('thumbnails-sweep', { every: '10m' }, 'image.resize', { width: 64 }, { queue: 'images' });
  // a few minutes' worth of traffic, in rounds, so the chart has bars
  let failed;
  for (let round = 0; round < 6; round++) {
    const mails = await client.enqueueMany(
      Array.from({ length: 40 + round * 10 }, (_, i) => ({ name: 'email.send', data: { to: i % 9 === 0 ? `user${i}@bounce.test` : `user${i}@example.test`, subject: 'Welcome' }, options: { queue: 'email' } })),
    );
    failed ??= mails[0];
    await client.enqueueMany(Array.from({ length: 60 }, (_, i) => ({ name: 'image.resize', data: { image: `photo-${round}-${i}.jpg`, width: 320 + (i % 4) * 320 }, options: { queue: 'images' } })));
    await sleep(400);
  }
  const report = await client.enqueue('report.build', { month: '2026-11' }, { queue: 'reports', description: 'Monthly revenue report' });
  await client.enqueue('email.send', { to: 'cfo@example.test', subject: 'Your report' }, { queue: 'email', dependsOn: report, description: 'Mail the report when it is built' });
  await client.enqueue('image.resize', { image: 'banner.png', width: 1920 }, { queue: 'images', delay: '1h' });
  await client.enqueueMany(Array.from({ length: 25 }, (_, i) => ({ name: 'email.send', data: { to: `later${i}@example.test` }, options: { queue: 'newsletter' } })));
  await client.pauseQueue('newsletter');
  await failed.result({ timeout: '30s' }).catch(() => null);
  await sleep(500);
  mkdirSync(OUT, { recursive: true });
  browser = await chromium.launch(chromiumLaunchOptions());
  const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
  const shot = async (path, file, fullPage = false) => {
    await page.goto(base + path);
    await page.screenshot({ path: new URL(file, OUT).pathname, fullPage });
    console.log(`docs/${file}: ${base}${path}`);
  };
  await shot('', 'dashboard-overview.png');
  await shot('/queues/email?status=failed', 'dashboard-failed-jobs.png');
  await shot(`/jobs/${failed.id}`, 'dashboard-job.png', true);
  await shot('/schedules', 'dashboard-schedules.png');
  await shot('/workers', 'dashboard-workers.png');
} finally {
  await browser?.close();
  http.close();
  await Promise.all(workers.map((w) => w.close()));
  await client.close();
  await server.stop();
}
