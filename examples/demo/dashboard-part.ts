// The web dashboard of the demo's queues: a small Express app of its own (QueueModule on the demo's prefix, and
// QueueDashboardModule), started before the jobs run so the counts and the chart can be watched as they change.
// `npm run demo -- --dashboard` keeps the demo running with it open until Ctrl-C.
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { QueueDashboardModule, QueueModule } from '../../src/index.js';
import { DEMO_CONNECTION } from './connection.js';

/** Whether the demo stays up with the dashboard open at the end (`npm run demo -- --dashboard`). */
export const KEEP_DASHBOARD = process.env.JOBLINE_DEMO_DASHBOARD === 'keep';

export async function startDashboard(prefix: string): Promise<{ app: INestApplication; url: string }> {
  @Module({ imports: [QueueModule.forRoot({ connection: DEMO_CONNECTION, prefix }), QueueDashboardModule.forRoot({ path: 'jobline' })] })
  class DashboardModule {}
  const app = await NestFactory.create(DashboardModule, { logger: ['warn', 'error'] });
  const port = Number(process.env.JOBLINE_DEMO_DASHBOARD_PORT ?? (KEEP_DASHBOARD ? 3000 : 0));
  await app.listen(port, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/jobline` };
}

/** Reads the overview as a browser would; a problem for each of `queues` it does not show. */
export async function checkDashboard(url: string, queues: string[]): Promise<string[]> {
  const res = await fetch(url);
  const page = await res.text();
  const problems = res.status === 200 ? [] : [`dashboard overview: HTTP ${res.status}`];
  for (const q of queues) if (!page.includes(`data-queue="${q}"`)) problems.push(`the dashboard's overview does not list queue '${q}'`);
  console.log(`- dashboard overview: HTTP ${res.status}, ${queues.length} queues listed, ${Buffer.byteLength(page)} bytes`);
  return problems;
}

/** Resolves on Ctrl-C or SIGTERM. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
