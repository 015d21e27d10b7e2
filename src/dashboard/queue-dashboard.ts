import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import {
  DELETE_STATUSES,
  END_KINDS,
  JOB_STATUSES,
  JoblineError,
  QueueActivity,
  REQUEUE_STATUSES,
  RedisOutOfMemoryError,
  RedisUnavailableError,
  assertQueueName,
  type JobStatus,
  type Logger,
  type MinuteCounts,
  type QueueClient,
  type QueueSummary,
} from '../core/index.js';
import { DASHBOARD_CSS, DASHBOARD_JS } from './assets.js';
import { dashboardActions, type ActionSpec } from './dashboard-actions.js';
import { crossSiteReason, formFields, parseCookies, sameText } from './request-checks.js';
import type { DashboardSettings } from './dashboard-options.js';
import type { Html } from './html.js';
import {
  confirmPage,
  jobPage,
  notFoundPage,
  overviewPage,
  queuePage,
  schedulesPage,
  workersPage,
  type LaneRow,
  type PageContext,
} from './pages.js';

/** A request as any HTTP server hands it over: the path after the dashboard's prefix, a form body already parsed. */
export interface DashboardRequest {
  method: string;
  /** e.g. '', 'queues/mail', 'jobs/abc', 'actions/requeue' */
  route: string;
  headers: IncomingHttpHeaders;
  query: Record<string, unknown>;
  /** the POSTed form's fields (application/x-www-form-urlencoded), parsed by the server */
  body: unknown;
  /** the node request, for a function guard */
  raw: IncomingMessage;
}

/** What the dashboard answers: a status, headers and a text body. */
export interface DashboardAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const CSRF_COOKIE = 'jobline_csrf';
const NOTICE_COOKIE = 'jobline_notice';
const PAGE_SIZE = 50;
/** Queues whose minutes the overview's chart sums (each is a read of 60 small hashes). */
const CHART_QUEUES = 50;

/** Pages allow only the package's own script and stylesheet: an injected tag could not run even if escaping failed. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

/**
 * The dashboard without an HTTP server: `handle` answers a request with HTML (server-rendered pages, escaped values,
 * a strict Content-Security-Policy), so the Nest controller (QueueDashboardModule, on Express or Fastify) and
 * `handleNode` (plain node:http, `jobline serve`) mount the same rules. Reads are paged (never a scan of all jobs);
 * actions are POST forms checked against a CSRF token (a cookie the form repeats) and the request's origin, refused
 * in read-only mode, and the destructive ones ask for confirmation first.
 */
export class QueueDashboard {
  private readonly activity: QueueActivity;
  private readonly actions: Record<string, ActionSpec>;

  constructor(
    private readonly client: QueueClient,
    readonly settings: DashboardSettings,
    private readonly logger: Logger,
  ) {
    this.activity = new QueueActivity(client);
    this.actions = dashboardActions(client);
  }

  /** Answers one request (guard, CSRF and read-only checks included); null when no route of the dashboard matches. */
  async handle(req: DashboardRequest, base: string): Promise<DashboardAnswer | null> {
    const route = req.route.replace(/^\/+|\/+$/g, '');
    const method = req.method.toUpperCase();
    if (method === 'GET' && route === 'assets/dashboard.css') return asset(DASHBOARD_CSS, 'text/css; charset=utf-8');
    if (method === 'GET' && route === 'assets/dashboard.js') return asset(DASHBOARD_JS, 'text/javascript; charset=utf-8');
    try {
      if (this.settings.guard && !(await this.settings.guard(req.raw))) return text(403, 'Forbidden: the dashboard guard refused this request.');
      const cookies = parseCookies(req.headers.cookie);
      if (method === 'POST') {
        const m = /^actions\/([a-z-]+)$/.exec(route);
        return m ? await this.post(req, m[1]!, cookies, base) : null;
      }
      if (method !== 'GET' && method !== 'HEAD') return null;
      const setCookies: string[] = [];
      let csrf = cookies[CSRF_COOKIE];
      if (!csrf || !/^[A-Za-z0-9_-]{32,64}$/.test(csrf)) {
        csrf = randomBytes(24).toString('base64url');
        setCookies.push(`${CSRF_COOKIE}=${csrf}; Path=/; HttpOnly; SameSite=Strict`);
      }
      let notice: PageContext['notice'];
      const flash = cookies[NOTICE_COOKIE];
      if (flash && req.headers['x-jobline-live'] === undefined) {
        notice = { ok: flash.startsWith('ok:'), text: safeDecode(flash.slice(3)) };
        setCookies.push(`${NOTICE_COOKIE}=; Path=/; Max-Age=0; SameSite=Strict`);
      }
      const ctx: PageContext = { base, readOnly: this.settings.readOnly, csrf, section: 'queues', notice };
      const page = await this.page(ctx, route, req.query);
      if (!page) return null;
      const answer = 'status' in page ? page : { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' }, body: page.html.text };
      if (setCookies.length) answer.headers['set-cookie'] = setCookies.join('\n');
      return answer;
    } catch (err) {
      if (err instanceof RedisUnavailableError || err instanceof RedisOutOfMemoryError) return text(503, `Redis is unavailable: ${err.message}`);
      if (err instanceof JoblineError) return text(400, err.message);
      this.logger.error(`Dashboard: ${(err as Error)?.message ?? String(err)}`, (err as Error)?.stack);
      return text(500, 'Internal error; the server logged it.');
    }
  }

  /** The GET pages; a 404 page for an unknown job or queue; null for a path that is no page. */
  private async page(ctx: PageContext, route: string, query: Record<string, unknown>): Promise<{ html: Html } | DashboardAnswer | null> {
    if (route === '') return { html: await this.overview(ctx) };
    if (route === 'workers') return { html: workersPage(ctx, await this.client.getWorkers()) };
    if (route === 'schedules') return { html: schedulesPage(ctx, await this.client.getSchedules()) };
    if (route === 'jobs') {
      // the lookup form: GET jobs?id=<id>
      const id = str(query.id).trim();
      if (!id) return redirect(ctx.base);
      return redirect(`${ctx.base}/jobs/${encodeURIComponent(id)}`);
    }
    const job = /^jobs\/([^/]+)$/.exec(route);
    if (job) return this.job(ctx, safeDecode(job[1]!), str(query.queue) || undefined);
    const queue = /^queues\/([^/]+)$/.exec(route);
    if (queue) return this.queue(ctx, safeDecode(queue[1]!), query);
    return null;
  }

  private async overview(ctx: PageContext): Promise<Html> {
    const [queues, workers] = await Promise.all([this.client.getQueueSummaries(), this.client.getWorkers()]);
    const charts = await Promise.all(queues.slice(0, CHART_QUEUES).map((q) => this.activity.minutes(q.name)));
    return overviewPage(ctx, queues, laneRows(queues), sumMinutes(charts), workers.length);
  }

  private async queue(ctx: PageContext, name: string, query: Record<string, unknown>): Promise<{ html: Html } | DashboardAnswer> {
    try {
      assertQueueName(name);
    } catch {
      return notFound(ctx, `"${name}" is not a queue name.`);
    }
    const status = (JOB_STATUSES as readonly string[]).includes(str(query.status)) ? (str(query.status) as JobStatus) : 'queued';
    const offset = wholeNumber(query.offset, 0);
    const limit = Math.min(Math.max(wholeNumber(query.limit, PAGE_SIZE), 1), 500);
    const [[summary], page, chart] = await Promise.all([this.client.getQueueSummaries([name]), this.client.listJobs(name, status, { offset, limit }), this.activity.minutes(name)]);
    const bulk = { requeue: (REQUEUE_STATUSES as readonly string[]).includes(status), delete: (DELETE_STATUSES as readonly string[]).includes(status) };
    return { html: queuePage(ctx, summary!, page, chart, bulk) };
  }

  private async job(ctx: PageContext, id: string, queue: string | undefined): Promise<{ html: Html } | DashboardAnswer> {
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(id)) return notFound(ctx, `"${id}" is not a job id.`);
    if (queue !== undefined && !isQueueName(queue)) return notFound(ctx, `"${queue}" is not a queue name.`);
    const handle = await this.client.getJob(id, queue);
    if (!handle) return notFound(ctx, `No job "${id}"${queue ? ` in queue ${queue}` : ''}: never enqueued, deleted, or its result or failure TTL ran out.`);
    const [info, rel] = await Promise.all([handle.info(), this.activity.relations(handle.queue, id)]);
    if (!rel) return notFound(ctx, `Job "${id}" was deleted just now.`);
    return { html: jobPage(ctx, info, rel) };
  }

  /** An action: read-only, origin and CSRF checks, then a confirmation page or the action and a redirect. */
  private async post(req: DashboardRequest, name: string, cookies: Record<string, string>, base: string): Promise<DashboardAnswer | null> {
    const spec = this.actions[name];
    if (!spec) return null;
    if (this.settings.readOnly) return text(403, 'Forbidden: the dashboard is read-only.');
    const crossSite = crossSiteReason(req.headers);
    if (crossSite) return text(403, `Forbidden: ${crossSite}`);
    const fields = formFields(req.body);
    const cookie = cookies[CSRF_COOKIE] ?? '';
    const given = fields._csrf ?? '';
    if (!cookie || !given || !sameText(cookie, given)) return text(403, 'Forbidden: missing or wrong CSRF token (reload the page and try again).');
    const question = spec.confirm(fields);
    if (question !== null && fields.confirmed !== '1') {
      const { _csrf: _, confirmed: __, ...rest } = fields;
      const ctx: PageContext = { base, readOnly: false, csrf: cookie, section: 'queues' };
      return { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' }, body: confirmPage(ctx, name, question, rest, under(base, spec.then(fields))).text };
    }
    let notice: string;
    try {
      notice = `ok:${encodeURIComponent(await spec.run(fields))}`;
    } catch (err) {
      if (!(err instanceof JoblineError) || err instanceof RedisUnavailableError || err instanceof RedisOutOfMemoryError) throw err;
      notice = `no:${encodeURIComponent(err.message)}`;
    }
    return {
      status: 303,
      headers: { location: under(base, spec.then(fields)), 'set-cookie': `${NOTICE_COOKIE}=${notice}; Path=/; HttpOnly; SameSite=Strict; Max-Age=60`, 'cache-control': 'no-store' },
      body: '',
    };
  }

  /**
   * Serves a node:http request under `/<path>/` (reads a form body of at most 64 kB); resolves false, having written
   * nothing, for any other path. For `jobline serve` and plain node:http servers.
   */
  async handleNode(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const base = `/${this.settings.path}`;
    // the overview is at `/<path>`, and `/<path>/` as well
    if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return false;
    const body = req.method === 'POST' ? Object.fromEntries(new URLSearchParams(await readBody(req, 64 * 1024))) : undefined;
    const answer = await this.handle(
      { method: req.method ?? 'GET', route: url.pathname.slice(base.length), headers: req.headers, query: Object.fromEntries(url.searchParams), body, raw: req },
      base,
    );
    if (!answer) return false;
    const headers: Record<string, string | string[]> = { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)) };
    if (answer.headers['set-cookie']) headers['set-cookie'] = answer.headers['set-cookie'].split('\n');
    res.writeHead(answer.status, headers);
    res.end(req.method === 'HEAD' ? undefined : answer.body);
    return true;
  }
}

/** A page's address: `base` alone for the overview. */
function under(base: string, path: string): string {
  return path ? `${base}/${path}` : base;
}

function asset(body: string, type: string): DashboardAnswer {
  return { status: 200, headers: { 'content-type': type, 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' }, body };
}

function text(status: number, message: string): DashboardAnswer {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, body: message };
}

function redirect(location: string): DashboardAnswer {
  return { status: 303, headers: { location, 'cache-control': 'no-store' }, body: '' };
}

function notFound(ctx: PageContext, message: string): DashboardAnswer {
  return { status: 404, headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' }, body: notFoundPage(ctx, message).text };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
}

function wholeNumber(v: unknown, fallback: number): number {
  const s = str(v);
  return /^\d{1,15}$/.test(s) ? Number(s) : fallback;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function isQueueName(q: string): boolean {
  try {
    assertQueueName(q);
    return true;
  } catch {
    return false;
  }
}

/** The per-lane counts of each queue with lanes (`lanes` of its summary: the queued jobs of each lane). */
function laneRows(queues: QueueSummary[]): Map<string, LaneRow[]> {
  const out = new Map<string, LaneRow[]>();
  for (const q of queues) if (q.lanes?.length) out.set(q.name, q.lanes.map((l) => ({ lane: l.lane, counts: { queued: l.queued } })));
  return out;
}

function sumMinutes(charts: MinuteCounts[][]): MinuteCounts[] {
  if (!charts.length) return [];
  return charts[0]!.map((m, i) => {
    const sum = { ...m };
    for (const k of END_KINDS) sum[k] = charts.reduce((a, c) => a + (c[i]?.[k] ?? 0), 0);
    return sum;
  });
}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => resolve(size > max ? '' : Buffer.concat(chunks).toString('utf8')));
  });
}
