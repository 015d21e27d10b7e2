import { timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { QueueClient } from '../../core/index.js';
import { JobMetrics } from '../../metrics/job-metrics.js';
import { httpSettings } from '../../http/http-options.js';
import { QueueHttpApi } from '../../http/queue-http-api.js';
import { UsageError, type CliContext } from '../context.js';
import { intOption } from './parse.js';

/** One route of `jobline serve`: a method and path (an exact path, or a prefix ending in '/'), and its handler. */
export interface ServeRoute {
  method: string;
  path: string;
  /** true: only with an API key (Authorization: Bearer <key>, or X-API-Key) */
  auth: boolean;
  describe: string;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** What a face gets to mount its routes in `jobline serve`. */
export interface ServeContext {
  client: QueueClient;
  apiKeys: string[];
}

/**
 * The faces `jobline serve` mounts, each a function of the client to its routes: the metrics and a health check
 * now; the HTTP API (issue 14) and the dashboard (issue 17) add theirs here, as framework-free handlers (their Nest
 * modules wrap the same handlers), so serve needs no Nest application and no HTTP framework.
 */
const MOUNTS: ((ctx: ServeContext) => ServeRoute[] | Promise<ServeRoute[]>)[] = [metricsRoutes, healthRoutes];

async function metricsRoutes({ client }: ServeContext): Promise<ServeRoute[]> {
  const metrics = new JobMetrics(client, { refreshInterval: '5s' });
  await metrics.refresh();
  return [
    {
      method: 'GET',
      path: '/metrics',
      auth: false,
      describe: 'Prometheus metrics (queue gauges from Redis; counters of this process)',
      async handle(_req, res) {
        const { contentType, body } = await metrics.scrape();
        res.writeHead(200, { 'Content-Type': contentType }).end(body);
      },
    },
  ];
}

function healthRoutes({ client }: ServeContext): ServeRoute[] {
  return [
    {
      method: 'GET',
      path: '/health',
      auth: false,
      describe: 'Redis reachability (200 up, 503 down)',
      async handle(_req, res) {
        const h = await client.health(2000);
        res.writeHead(h.up ? 200 : 503, { 'Content-Type': 'application/json' }).end(JSON.stringify(h));
      },
    },
  ];
}

/** `serve --port --host --api-key`: the HTTP routes of every mounted face, in one process, until SIGINT/SIGTERM. */
export async function serve(ctx: CliContext, opts: { port?: string; host?: string; apiKey?: string[] }): Promise<void> {
  const port = intOption('port', opts.port ?? process.env.PORT ?? '3000', 0, 65535);
  const host = opts.host ?? '127.0.0.1';
  const apiKeys = [...(opts.apiKey ?? []), ...(process.env.JOBLINE_API_KEYS ?? '').split(',').map((k) => k.trim())].filter(Boolean);
  const client = await ctx.connect();
  const routes = (await Promise.all(MOUNTS.map((mount) => mount({ client, apiKeys })))).flat();
  // the HTTP API (issue 14) under /queue/, with its own key checks and answers; it needs a key to serve anyone
  const api = apiKeys.length ? new QueueHttpApi(client, httpSettings({ apiKeys }, 'jobline serve --api-key'), client.logger) : null;
  const authorized = keyCheck(apiKeys);
  const server = createServer((req, res) => {
    if (api) {
      api
        .handleNode(req, res)
        .then((served) => served || route(req, res))
        .catch((err: unknown) => (res.headersSent ? res.end() : json(res, 500, { errors: [err instanceof Error ? err.message : String(err)] })));
      return;
    }
    route(req, res);
  });
  const route = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = routes.find((r) => r.method === req.method && (r.path.endsWith('/') ? path.startsWith(r.path) : path === r.path));
    if (!route) return json(res, 404, { errors: [`No route ${req.method} ${path}; routes: ${routes.map((r) => `${r.method} ${r.path}`).join(', ')}`] });
    if (route.auth && !authorized(req)) return json(res, 401, { errors: ['An API key is required: Authorization: Bearer <key>, or X-API-Key.'] });
    route.handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { errors: [err instanceof Error ? err.message : String(err)] });
      else res.end();
    });
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new UsageError(`Port ${port} is in use; pick another with --port.`) : err));
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${typeof address === 'object' && address ? address.port : port}`;
  const out = ctx.output;
  if (out.json) out.data({ url, routes: routes.map((r) => ({ method: r.method, path: r.path, auth: r.auth })), api: api ? `/${api.settings.path}/` : null });
  else {
    out.line(`jobline serve: ${url} (prefix ${client.prefix})`);
    for (const r of routes) out.line(`  ${r.method.padEnd(5)}${r.path.padEnd(12)}${r.describe}${r.auth ? ' [API key]' : ''}`);
    if (api) out.line(`  POST /${api.settings.path}/add, /${api.settings.path}/add-batch; GET /${api.settings.path}/jobs/:id[/result], /${api.settings.path}/openapi.json [API key]`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

/** Checks a request's key against `keys` in constant time (digests of equal length). */
function keyCheck(keys: string[]): (req: IncomingMessage) => boolean {
  const digests = keys.map((k) => createHash('sha256').update(k).digest());
  return (req) => {
    const auth = req.headers.authorization;
    const given = auth?.startsWith('Bearer ') ? auth.slice(7) : req.headers['x-api-key'];
    if (typeof given !== 'string' || !given) return false;
    const d = createHash('sha256').update(given).digest();
    let ok = false;
    for (const k of digests) ok = timingSafeEqual(k, d) || ok;
    return ok;
  };
}
