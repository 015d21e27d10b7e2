import { timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ServeContext, ServeRoute } from '../../core/index.js';
import { SERVE_MOUNTS } from '../../mounts.js';
import { UsageError, type CliContext } from '../context.js';
import { intOption } from './parse.js';

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
export async function serve(ctx: CliContext, opts: { port?: string; host?: string; apiKey?: string[]; readOnly?: boolean }): Promise<void> {
  const port = intOption('port', opts.port ?? process.env.PORT ?? '3000', 0, 65535);
  const host = opts.host ?? '127.0.0.1';
  const apiKeys = [...(opts.apiKey ?? []), ...(process.env.JOBLINE_API_KEYS ?? '').split(',').map((k) => k.trim())].filter(Boolean);
  const client = await ctx.connect();
  const serveCtx: ServeContext = { client, apiKeys, readOnly: opts.readOnly === true };
  const mounted = await Promise.all(SERVE_MOUNTS.map((m) => m.mount(serveCtx)));
  const routes = [...mounted.flatMap((m) => m.routes), ...healthRoutes(serveCtx)];
  const authorized = keyCheck(apiKeys);
  const server = createServer((req, res) => route(req, res));
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
  const api = routes.some((r) => r.path === '/queue/') ? '/queue/' : null;
  if (out.json) out.data({ url, routes: routes.map((r) => ({ method: r.method, path: r.path, auth: r.auth })), api, dashboard: `${url}/jobline/` });
  else {
    out.line(`jobline serve: ${url} (prefix ${client.prefix})`);
    for (const r of routes) out.line(`  ${r.method.padEnd(5)}${r.path.padEnd(12)}${r.describe}${r.auth ? ' [API key]' : ''}`);
    out.line(`  dashboard: ${url}/jobline/${opts.readOnly ? ' (read-only)' : ''}`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      for (const m of mounted) m.close?.();
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
