import { JOB_STATUSES, JobNotFoundError, type JobInfo, type JobStatus, type QueueSummary } from '../../core/index.js';
import type { CliContext } from '../context.js';
import { ago, bar, cut, span } from '../output.js';
import { intOption, statusOption } from './parse.js';

/** The statuses shown as columns of `queues`, in a job's order of life. */
const COLUMNS: JobStatus[] = ['queued', 'deferred', 'scheduled', 'started', 'finished', 'failed', 'canceled', 'stopped', 'expired'];

/** `queues [--watch] [--interval s]`: counts per status, paused, live workers, per queue. */
export async function queues(ctx: CliContext, opts: { watch?: boolean; interval?: string }): Promise<void> {
  const client = await ctx.connect();
  const intervalMs = intOption('interval', opts.interval ?? '2', 1, 3600) * 1000;
  const out = ctx.output;
  const show = async () => {
    const summaries = await client.getQueueSummaries();
    if (out.json) return out.data({ queues: summaries.map(summaryJson) });
    if (opts.watch && out.isTTY) out.line('\u001b[2J\u001b[H' + out.colors.dim(`jobline queues, every ${intervalMs / 1000}s (Ctrl-C to stop)  ${new Date().toLocaleTimeString()}`));
    printQueues(ctx, summaries);
  };
  await show();
  if (!opts.watch) return;
  // until Ctrl-C or SIGTERM, which end the run normally (exit code 0)
  let stopped = false;
  let wake: () => void = () => undefined;
  const stop = () => {
    stopped = true;
    wake();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    while (!stopped) {
      await new Promise<void>((r) => {
        const timer = setTimeout(r, intervalMs);
        wake = () => (clearTimeout(timer), r());
      });
      if (!stopped) await show();
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function summaryJson(s: QueueSummary) {
  return { name: s.name, paused: s.paused, workers: s.workers, counts: s.counts, ...(s.lanes ? { lanes: s.lanes } : {}), ...(s.groups ? { groups: s.groups } : {}) };
}

function printQueues(ctx: CliContext, summaries: QueueSummary[]): void {
  const out = ctx.output;
  if (!summaries.length) return out.line('No queues yet (none was enqueued to or consumed under this prefix).');
  const waiting = (s: QueueSummary) => s.counts.queued + s.counts.started;
  const max = Math.max(...summaries.map(waiting));
  out.table(
    ['QUEUE', ...COLUMNS.map((c) => c.toUpperCase()), 'WORKERS', '', ''],
    summaries.flatMap((s) => [
      [
        s.name,
        ...COLUMNS.map((c) => (c === 'failed' && s.counts.failed > 0 ? out.colors.red(String(s.counts.failed)) : s.counts[c])),
        s.workers === 0 && s.counts.queued > 0 ? out.colors.yellow('0') : s.workers,
        s.paused ? out.colors.yellow('paused') : '',
        out.colors.cyan(bar(waiting(s), max)),
      ],
      // a row per lane, highest first, under its queue: its queued jobs (the other statuses are the queue's)
      ...(s.lanes ?? []).map((l) => [out.colors.dim(`  .${l.lane}`), l.queued, ...COLUMNS.slice(1).map(() => ''), '', '', '']),
    ]),
    COLUMNS.map((_, i) => i + 1).concat(COLUMNS.length + 1),
  );
}

/** `jobs <queue> [--status] [--limit] [--offset]`: a page of one status's jobs. */
export async function jobs(ctx: CliContext, queue: string, opts: { status?: string; limit?: string; offset?: string }): Promise<void> {
  const status = statusOption(opts.status ?? 'queued', JOB_STATUSES);
  const limit = intOption('limit', opts.limit ?? '20', 1, 1000);
  const offset = intOption('offset', opts.offset ?? '0', 0, Number.MAX_SAFE_INTEGER);
  const client = await ctx.connect();
  const page = await client.listJobs(queue, status, { offset, limit });
  const out = ctx.output;
  if (out.json) return out.data(page);
  if (!page.jobs.length) return out.line(`No ${status} jobs in queue ${queue}${offset ? ` from ${offset}` : ''} (${page.total} in all).`);
  const now = Date.now();
  // a scheduled job's column is when it runs; the others' how long they ran
  const scheduled = status === 'scheduled';
  out.table(
    ['ID', 'NAME', 'STATUS', 'ENQUEUED', scheduled ? 'RUNS AT' : 'RAN', 'ATTEMPTS', 'ERROR'],
    page.jobs.map((j) => [
      j.id,
      cut(j.name, 40),
      out.status(j.status),
      ago(j.enqueuedAt, now),
      scheduled ? iso(j.scheduledFor) : ran(j),
      j.attempts,
      j.error ? cut(`${j.error.name}: ${j.error.message}`, 60) : '',
    ]),
    [5],
  );
  out.line(out.colors.dim(`${offset + 1}-${offset + page.jobs.length} of ${page.total} ${status} jobs in ${queue}`));
}

function ran(j: JobInfo): string {
  if (!j.startedAt) return '-';
  return j.endedAt ? span(j.endedAt.getTime() - j.startedAt.getTime()) : `${span(Date.now() - j.startedAt.getTime())}, running`;
}

/** `job <id> [--queue]`: one job's info. */
export async function job(ctx: CliContext, id: string, opts: { queue?: string }): Promise<void> {
  const client = await ctx.connect();
  const handle = await client.getJob(id, opts.queue);
  if (!handle) throw new JobNotFoundError(id);
  const info = await handle.info();
  const out = ctx.output;
  // a duplicate inbox entry's id: the live job that held it off, said so
  if (out.json) return out.data(handle.duplicate ? { ...info, duplicate: true } : info);
  const c = out.colors;
  const rows: [string, string][] = [
    ...(handle.duplicate ? [['duplicate', `entry ${id} stored nothing: job ${info.id} held its unique key`] as [string, string]] : []),
    ['id', info.id],
    ['name', info.name],
    ['queue', info.queue],
    ...(info.group !== null ? [['group', info.group] as [string, string]] : []),
    ['status', out.status(info.status)],
    ['enqueued', iso(info.enqueuedAt)],
    ['started', iso(info.startedAt)],
    ['ended', iso(info.endedAt)],
    ['attempts', `${info.attempts} of ${info.maxAttempts}`],
    ['retries', info.maxRetries ? `${info.retries} of ${info.maxRetries}` : '-'],
    ['scheduled', iso(info.scheduledFor)],
    ['worker', info.workerId ?? '-'],
    ['description', info.description ?? '-'],
    ['dependencies', info.dependencies.join(', ') || '-'],
    ['timeout', info.timeoutMs < 0 ? 'none' : `${info.timeoutMs / 1000}s`],
    ['expires', iso(info.expiresAt)],
  ];
  for (const [k, v] of rows) out.line(`${c.dim(k.padEnd(13))}${v}`);
  block(ctx, 'data', info.data);
  if (Object.keys(info.meta).length) block(ctx, 'meta', info.meta);
  if (info.progress !== null) block(ctx, 'progress', info.progress);
  if (info.result !== null) block(ctx, 'result', info.result);
  if (info.error) {
    out.line(c.dim('error'));
    out.line(c.red(`  ${info.error.name}: ${info.error.message}`));
    if (info.error.stack) out.line(c.dim(info.error.stack.split('\n').slice(1).map((l) => `  ${l.trim()}`).join('\n')));
  }
}

function iso(d: Date | null): string {
  return d ? d.toISOString() : '-';
}

function block(ctx: CliContext, label: string, value: unknown): void {
  ctx.output.line(ctx.output.colors.dim(label));
  ctx.output.line(JSON.stringify(value, null, 2)?.replace(/^/gm, '  ') ?? '  undefined');
}

/** `workers`: the live workers (the registry each worker refreshes). */
export async function workers(ctx: CliContext): Promise<void> {
  const client = await ctx.connect();
  const list = await client.getWorkers();
  const out = ctx.output;
  if (out.json) return out.data({ workers: list });
  if (!list.length) return out.line('No live workers under this prefix.');
  const now = Date.now();
  out.table(
    ['WORKER', 'HOST', 'PID', 'QUEUES', 'RUNNING', 'FINISHED', 'FAILED', 'UP', 'SEEN'],
    list.map((w) => [w.id, w.host, w.pid, w.queues.join(','), `${w.running}/${w.concurrency}`, w.finished, w.failed ? out.colors.red(String(w.failed)) : 0, span(now - w.startedAt.getTime()), ago(w.lastSeen, now)]),
    [2, 4, 5, 6],
  );
}

/** `schedules [--queue]`: the recurring schedules. */
export async function schedules(ctx: CliContext, opts: { queue?: string }): Promise<void> {
  const client = await ctx.connect();
  const list = await client.getSchedules(opts.queue);
  const out = ctx.output;
  if (out.json) return out.data({ schedules: list });
  if (!list.length) return out.line('No recurring schedules under this prefix.');
  out.table(
    ['ID', 'NAME', 'QUEUE', 'RULE', 'NEXT', 'LAST', 'LAST JOB', 'RUNS'],
    list.map((s) => [
      s.id,
      s.name,
      s.queue,
      s.rule.cron ? `cron ${s.rule.cron}${s.rule.tz ? ` ${s.rule.tz}` : ''}` : `every ${String(s.rule.every)}`,
      s.nextRunAt ? iso(s.nextRunAt) : 'ended',
      iso(s.lastRunAt),
      s.lastJobId ?? '-',
      s.runs,
    ]),
    [7],
  );
}
