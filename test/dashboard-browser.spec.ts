// The dashboard in a real headless Chromium (playwright-core driving Debian's chromium), served by a Nest application
// on Express: live counts, a failed job requeued from its page, escaping, the id lookup, read-only mode, CSRF, the guard.
import 'reflect-metadata';
import { Injectable, Module, type CanActivate, type ExecutionContext, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumLaunchOptions } from '../scripts/chromium.mjs';
import { QueueDashboard, QueueDashboardModule, QueueModule, dashboardSettings } from '../src/index.js';
import { engine } from './engine.js';
import { deferred, testConnection } from './helpers.js';

// what the functions run in the page see (the tests' TypeScript has no DOM library)
declare const document: { querySelector(s: string): { textContent: string | null; getAttribute(name: string): string | null } | null };
declare const window: Record<string, unknown>;

/** The Nest guard of the test: the request must carry `x-dashboard-user: admin`. */
@Injectable()
class AdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    return req.headers['x-dashboard-user'] === 'admin';
  }
}

const gate = deferred();
const failedOnce = new Set<string>();
const e = engine(
  'dash-browser',
  {
  'dash.gated': async () => {
    await gate.promise;
    return 'done';
  },
  // fails its first run, finishes the next (after a requeue from the dashboard)
  'dash.flaky': (_d: unknown, ctx: { id: string }) => {
    if (!failedOnce.has(ctx.id)) {
      failedOnce.add(ctx.id);
      throw new Error('first run fails <b>bold</b>');
    }
    return { ok: true };
  },
  'dash.echo': (d: unknown) => d,
  },
  { logFailedJobs: false },
);

let app: INestApplication;
let url: string;
let browser: Browser;
let page: Page;
let plain: Server;
let plainUrl: string;

beforeAll(async () => {
  @Module({ imports: [QueueModule.forRoot({ connection: testConnection(), prefix: e.prefix }), QueueDashboardModule.forRoot({ path: 'admin/jobs', guard: AdminGuard })] })
  class AppModule {}
  app = await NestFactory.create(AppModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/admin/jobs`;
  // the same dashboard read-only, on a plain node:http server
  const ro = new QueueDashboard(e.client, dashboardSettings({ readOnly: true }, 'test'), e.client.logger);
  plain = createServer((req, res) => void ro.handleNode(req, res).then((served) => served || res.writeHead(404).end()));
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}/jobline`;
  browser = await chromium.launch(chromiumLaunchOptions());
  const context = await browser.newContext({ extraHTTPHeaders: { 'x-dashboard-user': 'admin' } });
  page = await context.newPage();
}, 60_000);

afterAll(async () => {
  gate.resolve();
  await browser?.close();
  await app?.close();
  plain?.close();
  await e.close();
});

const text = (selector: string) => page.locator(selector).first().textContent({ timeout: 10_000 });
/** Waits until `selector`'s text is `value` (the page refreshes itself). */
const until = (selector: string, value: string) =>
  page.waitForFunction(([s, v]) => document.querySelector(s)?.textContent?.trim() === v, [selector, value] as const, { timeout: 20_000, polling: 200 });

it('the overview counts change as the jobs run', async () => {
  await Promise.all([1, 2, 3].map((n) => e.client.enqueue('dash.gated', { n }, { queue: 'live' })));
  await page.goto(`${url}/`);
  expect(await text('[data-count="live:queued"]')).toBe('3');
  expect(await text('[data-workers="live"]')).toBe('0');
  e.worker({ queues: ['live'], concurrency: 5 });
  await until('[data-count="live:started"]', '3');
  expect(await text('[data-workers="live"]')).toBe('1');
  gate.resolve();
  await until('[data-count="live:finished"]', '3');
  expect(await text('[data-count="live:queued"]')).toBe('0');
  // the chart counted them (work.lua's per-minute counters)
  await page.waitForFunction(() => /^3:/.test(document.querySelector('[data-chart-total]')?.getAttribute('data-chart-total') ?? ''), undefined, { timeout: 20_000 });
}, 40_000);

it('a failed job, opened from its status page and requeued, then runs', async () => {
  e.worker({ queues: ['flaky'], concurrency: 2 });
  const h = await e.client.enqueue('dash.flaky', { n: 1 }, { queue: 'flaky' });
  await expect(h.result({ timeout: '10s' })).rejects.toThrow('first run fails');
  await page.goto(`${url}/queues/flaky?status=failed`);
  await page.click(`[data-job="${h.id}"] a`);
  expect(await text('[data-field="status"]')).toBe('failed');
  // the error's text shown as text
  expect(await text('[data-field="error"]')).toBe('Error: first run fails <b>bold</b>');
  await page.click('button[data-action="requeue"]');
  expect(await text('.notice')).toBe(`Job ${h.id} requeued.`);
  await until('[data-field="status"]', 'finished');
  expect(JSON.parse((await text('[data-field="result"]'))!)).toEqual({ ok: true });
}, 40_000);

it("a <script> in a job's data shows as text and never runs", async () => {
  const evil = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
  const h = await e.client.enqueue('dash.echo', { evil }, { queue: 'quiet' });
  await page.goto(`${url}/jobs/${h.id}`);
  expect(JSON.parse((await text('[data-field="data"]'))!)).toEqual({ evil });
  expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
  expect(await page.locator('main script, main img').count()).toBe(0);
});

it('finds a job by its id from the search box', async () => {
  const h = await e.client.enqueue('dash.echo', { find: 'me' }, { queue: 'quiet', jobId: 'look-me-up-1' });
  await page.goto(`${url}/`);
  await page.fill('input[name="id"]', h.id);
  await page.press('input[name="id"]', 'Enter');
  await page.waitForURL(/\/jobs\/look-me-up-1$/);
  expect(await text('[data-field="id"]')).toBe('look-me-up-1');
  await page.fill('input[name="id"]', 'no-such-job');
  await page.press('input[name="id"]', 'Enter');
  expect(await text('main .card')).toContain('No job "no-such-job"');
});

it('a destructive action asks first; CSRF: a form without the token, or from another site, is refused', async () => {
  const h = await e.client.enqueue('dash.echo', { n: 1 }, { queue: 'quiet' });
  await page.goto(`${url}/jobs/${h.id}`);
  await page.click('button[data-action="delete"]');
  expect(await text('main .confirm p')).toBe(`Delete job ${h.id} of queue quiet? This cannot be undone.`);
  expect(await e.client.getJob(h.id)).not.toBeNull();
  await page.click('button[data-confirm="delete"]');
  expect(await text('.notice')).toBe(`Job ${h.id} deleted.`);
  expect(await e.client.getJob(h.id)).toBeNull();
  // another site's page that posts a form to the dashboard: no token (it cannot read it), and the browser says cross-site
  const target = await e.client.enqueue('dash.echo', { n: 2 }, { queue: 'quiet' });
  const evil = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end(
      `<form method="post" action="${url}/actions/delete"><input name="queue" value="quiet"><input name="id" value="${target.id}"><input name="confirmed" value="1"></form><script>document.forms[0].submit()</script>`,
    ),
  );
  await new Promise<void>((r) => evil.listen(0, 'localhost', r));
  try {
    const [answer] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/actions/delete')), page.goto(`http://localhost:${(evil.address() as AddressInfo).port}/`)]);
    expect(answer.status()).toBe(403);
  } finally {
    evil.close();
  }
  expect(await e.client.getJob(target.id)).not.toBeNull();
  // the same form on the dashboard's own origin, without the token
  const forged = await page.request.post(`${url}/actions/delete`, { form: { queue: 'quiet', id: target.id, confirmed: '1' } });
  expect(forged.status()).toBe(403);
  expect(await forged.text()).toMatch(/CSRF token/);
  expect(await e.client.getJob(target.id)).not.toBeNull();
});

it('read-only: no action is offered, and the server refuses one with 403', async () => {
  const h = await e.client.enqueue('dash.echo', { n: 3 }, { queue: 'quiet' });
  await page.goto(`${plainUrl}/jobs/${h.id}`);
  expect(await text('.badge.ro')).toBe('read-only');
  expect(await page.locator('button[data-action]').count()).toBe(0);
  await page.goto(`${plainUrl}/queues/quiet`);
  expect(await page.locator('form[method="post"]').count()).toBe(0);
  const token = 'a'.repeat(32);
  const refused = await fetch(`${plainUrl}/actions/delete`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `jobline_csrf=${token}` },
    body: new URLSearchParams({ _csrf: token, queue: 'quiet', id: h.id, confirmed: '1' }),
    redirect: 'manual',
  });
  expect(refused.status).toBe(403);
  expect(await refused.text()).toMatch(/read-only/);
  expect(await e.client.getJob(h.id)).not.toBeNull();
});

it('the guard: a request without what it asks for gets 403', async () => {
  expect((await fetch(`${url}/`)).status).toBe(403);
  expect((await fetch(`${url}/`, { headers: { 'x-dashboard-user': 'admin' } })).status).toBe(200);
  const other = await browser.newPage();
  try {
    const res = await other.goto(`${url}/`);
    expect(res?.status()).toBe(403);
  } finally {
    await other.close();
  }
});
