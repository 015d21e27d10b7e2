import { Controller, Get, Inject, Post, Req, Res, UseGuards, type CanActivate, type Type } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { QueueDashboard, type DashboardAnswer } from './queue-dashboard.js';

/** What the controller needs of the platform's request and response (Express's and Fastify's both have these). */
interface PlatformRequest {
  url?: string;
  originalUrl?: string;
  method: string;
  headers: IncomingMessage['headers'];
  query?: unknown;
  body?: unknown;
  /** Fastify's request holds node's here; Express's request is node's */
  raw?: IncomingMessage;
}
interface PlatformResponse {
  status(code: number): unknown;
  header(name: string, value: string | string[]): unknown;
  send(body: string): unknown;
}

/**
 * The dashboard's Nest controller at `path` (a class made per module: a route prefix is fixed when a controller class
 * is declared), behind `guard` when it is a Nest guard. Every route hands the request to QueueDashboard and writes its
 * answer through the platform's response.
 */
export function queueDashboardController(path: string, guard: Type<CanActivate> | CanActivate | null): Type<unknown> {
  @Controller(path)
  class QueueDashboardController {
    constructor(@Inject(QueueDashboard) private readonly dashboard: QueueDashboard) {}

    @Get()
    async overview(@Req() req: PlatformRequest, @Res() res: PlatformResponse): Promise<void> {
      await this.serve(req, res, '');
    }

    @Get('assets/:file')
    async asset(@Req() req: PlatformRequest, @Res() res: PlatformResponse): Promise<void> {
      await this.serve(req, res);
    }

    @Get(['workers', 'schedules', 'jobs', 'jobs/:id', 'queues/:queue'])
    async page(@Req() req: PlatformRequest, @Res() res: PlatformResponse): Promise<void> {
      await this.serve(req, res);
    }

    @Post('actions/:action')
    async action(@Req() req: PlatformRequest, @Res() res: PlatformResponse): Promise<void> {
      await this.serve(req, res);
    }

    /** The route after the dashboard's prefix, from the request's own path (global prefixes included). */
    private async serve(req: PlatformRequest, res: PlatformResponse, route?: string): Promise<void> {
      const url = new URL(req.originalUrl ?? req.url ?? '/', 'http://localhost');
      const marker = `/${path}`;
      const at = url.pathname.lastIndexOf(`${marker}/`) >= 0 ? url.pathname.lastIndexOf(`${marker}/`) : url.pathname.lastIndexOf(marker);
      const base = url.pathname.slice(0, at + marker.length);
      const rest = route ?? url.pathname.slice(base.length + 1);
      const raw = req.raw ?? (req as unknown as IncomingMessage);
      const query = Object.fromEntries(url.searchParams);
      const answer = (await this.dashboard.handle({ method: req.method, route: rest, headers: req.headers, query, body: req.body, raw }, base)) ?? notFound();
      write(res, answer);
    }
  }
  if (guard) UseGuards(guard)(QueueDashboardController);
  return QueueDashboardController;
}

function notFound(): DashboardAnswer {
  return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Not found' };
}

function write(res: PlatformResponse, answer: DashboardAnswer): void {
  res.status(answer.status);
  for (const [k, v] of Object.entries(answer.headers)) res.header(k, k === 'set-cookie' ? v.split('\n') : v);
  res.send(answer.body);
}
