import type { EndKind, JobInfo, JobPage, JobRelations, JobStatus, MinuteCounts, QueueSummary, ScheduleInfo, WorkerInfo } from '../core/index.js';
import { html, pretty, type Html } from './html.js';

/** What every page needs besides its data. */
export interface PageContext {
  /** '/jobline' (no trailing slash) */
  base: string;
  readOnly: boolean;
  csrf: string;
  /** the nav entry shown as current */
  section: 'queues' | 'schedules' | 'workers' | 'job';
  notice?: { ok: boolean; text: string };
}

/** The statuses in a job's order of life (columns and tabs). */
export const STATUS_ORDER: JobStatus[] = ['queued', 'deferred', 'scheduled', 'started', 'finished', 'failed', 'canceled', 'stopped', 'expired'];

/** A lane's counts (a row under its queue in the overview): the engine counts the queued jobs of each lane. */
export interface LaneRow {
  lane: string;
  counts: Partial<Record<JobStatus, number>>;
}

export function layout(ctx: PageContext, title: string, body: Html, live = 0): Html {
  const nav = (key: PageContext['section'], href: string, label: string) => html`<a href="${ctx.base}${href ? `/${href}` : ''}" class="${ctx.section === key ? 'on' : ''}">${label}</a>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Jobline</title><link rel="stylesheet" href="${ctx.base}/assets/dashboard.css"></head>
<body><header class="top"><a class="brand" href="${ctx.base}">Jobline</a>
<nav>${nav('queues', '', 'Queues')}${nav('schedules', 'schedules', 'Schedules')}${nav('workers', 'workers', 'Workers')}</nav>
${ctx.readOnly ? html`<span class="badge ro" title="Actions are off">read-only</span>` : ''}
<form method="get" action="${ctx.base}/jobs" role="search"><input name="id" placeholder="Find a job by id" aria-label="Job id"><button type="submit">Find</button></form>
</header>
<main${live ? html` data-live="${live}"` : ''}>${ctx.notice ? html`<div class="notice ${ctx.notice.ok ? 'ok' : 'bad'}" role="status">${ctx.notice.text}</div>` : ''}${body}</main>
<script src="${ctx.base}/assets/dashboard.js" defer></script></body></html>`;
}

/** A POST button (with the CSRF token); `confirm` makes the server ask first. Nothing in read-only mode. */
export function action(ctx: PageContext, name: string, label: string, fields: Record<string, string>, opts: { danger?: boolean } = {}): Html {
  if (ctx.readOnly) return html``;
  return html`<form method="post" action="${ctx.base}/actions/${name}"><input type="hidden" name="_csrf" value="${ctx.csrf}">${Object.entries(fields).map(
    ([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`,
  )}<button type="submit" class="${opts.danger ? 'danger' : ''}" data-action="${name}">${label}</button></form>`;
}

export function overviewPage(ctx: PageContext, queues: QueueSummary[], lanes: Map<string, LaneRow[]>, chart: MinuteCounts[], workers: number): Html {
  const cell = (q: string, s: JobStatus, n: number) =>
    html`<td class="n ${n === 0 ? 'zero' : s === 'failed' ? 'failed-count' : ''}"><a href="${ctx.base}/queues/${encodeURIComponent(q)}?status=${s}" data-count="${q}:${s}">${n}</a></td>`;
  const rows = queues.map(
    (q) => html`<tr data-queue="${q.name}"><td><a href="${ctx.base}/queues/${encodeURIComponent(q.name)}">${q.name}</a> ${q.paused ? html`<span class="badge paused">paused</span>` : ''}</td>
${STATUS_ORDER.map((s) => cell(q.name, s, q.counts[s]))}<td class="n" data-workers="${q.name}">${q.workers}</td>
<td>${q.paused ? action(ctx, 'resume', 'Resume', { queue: q.name }) : action(ctx, 'pause', 'Pause', { queue: q.name })}</td></tr>
${(lanes.get(q.name) ?? []).map((l) => html`<tr class="lane"><td>&nbsp;&nbsp;lane ${l.lane}</td>${STATUS_ORDER.map((s) => html`<td class="n">${l.counts[s] ?? ''}</td>`)}<td></td><td></td></tr>`)}`,
  );
  const body = html`<h1>Queues</h1>
<div class="card"><h2>Runs and jobs ended per minute, last hour, all queues</h2>${chartSvg(chart)}</div>
${
  queues.length
    ? html`<table class="queues"><thead><tr><th>Queue</th>${STATUS_ORDER.map((s) => html`<th class="n">${s}</th>`)}<th class="n">Workers</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<div class="card dim">No queues yet: nothing was enqueued to or consumed under this prefix.</div>`
}
<p class="dim">${workers} live worker${workers === 1 ? '' : 's'} · <a href="${ctx.base}/workers">workers</a> · refreshed every 2 s</p>`;
  return layout(ctx, 'Queues', body, 2);
}

/** What each kind of end is called in the chart's legend and tooltips. */
const END_LABEL: Record<EndKind, string> = {
  finished: 'finished',
  retried: 'retried',
  failed: 'failed',
  canceled: 'canceled',
  stopped: 'stopped',
  expired: 'expired',
  deleted: 'deleted',
};
/** Bottom to top in each bar: runs first (finished, retried, failed), then jobs ended without finishing a run. */
const CHART_ORDER: EndKind[] = ['finished', 'retried', 'failed', 'canceled', 'stopped', 'expired', 'deleted'];

/**
 * Stacked bars of the runs and jobs that ended per minute, a colour per kind of end (finished, retried, failed,
 * canceled, stopped, expired, deleted) with a legend of each kind's total; drawn on the server (an SVG, no chart library).
 */
export function chartSvg(minutes: MinuteCounts[]): Html {
  const W = 600;
  const H = 106;
  const base = H - 14;
  const sumOf = (m: MinuteCounts) => CHART_ORDER.reduce((a, k) => a + m[k], 0);
  const busiest = Math.max(0, ...minutes.map(sumOf));
  const max = Math.max(1, busiest);
  const bw = W / Math.max(1, minutes.length);
  const totals = Object.fromEntries(CHART_ORDER.map((k) => [k, minutes.reduce((a, m) => a + m[k], 0)])) as Record<EndKind, number>;
  const bars = minutes.map((m, i) => {
    const x = (i * bw).toFixed(1);
    const w = (bw - 1).toFixed(1);
    let y = base;
    // a rect only for the kinds this minute has: most minutes of an idle queue draw nothing
    const rects = CHART_ORDER.filter((k) => m[k] > 0).map((k) => {
      const h = (m[k] / max) * base;
      y -= h;
      return html`<rect class="${k}" x="${x}" width="${w}" y="${y.toFixed(1)}" height="${h.toFixed(1)}"></rect>`;
    });
    const label = `${m.at.toISOString().slice(11, 16)} UTC: ${CHART_ORDER.map((k) => `${m[k]} ${END_LABEL[k]}`).join(', ')}`;
    return html`<g><title>${label}</title>${rects}</g>`;
  });
  const first = minutes[0]?.at.toISOString().slice(11, 16) ?? '';
  const last = minutes[minutes.length - 1]?.at.toISOString().slice(11, 16) ?? '';
  const legend = CHART_ORDER.map((k) => html`<span class="kind"><i class="${k}"></i>${END_LABEL[k]} <b data-chart-kind="${k}">${totals[k]}</b></span>`);
  return html`<svg class="chart" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="Runs and jobs ended per minute"><line class="axis" x1="0" x2="${W}" y1="${base}" y2="${base}"></line>${bars}</svg>
<div class="legend" data-chart-total="${totals.finished}:${totals.failed + totals.retried}"><span class="from">${first} UTC</span>busiest minute ${busiest}<span class="to">${last} UTC</span></div>
<div class="legend kinds">${legend}</div>`;
}

const ago = (d: Date | null, now: number): string => {
  if (!d) return '-';
  const s = Math.round((now - d.getTime()) / 1000);
  if (s < 0) return `in ${span(-s)}`;
  return `${span(s)} ago`;
};
const span = (s: number): string => (s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ''}` : s < 86400 ? `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m` : `${Math.floor(s / 86400)}d`);
const iso = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').replace('Z', ' UTC') : '-');

export function jobLink(ctx: PageContext, queue: string, id: string): Html {
  return html`<a class="mono" href="${ctx.base}/jobs/${encodeURIComponent(id)}?queue=${encodeURIComponent(queue)}">${id}</a>`;
}

export function queuePage(
  ctx: PageContext,
  summary: QueueSummary,
  page: JobPage,
  chart: MinuteCounts[],
  bulk: { requeue: boolean; delete: boolean },
): Html {
  const q = summary.name;
  const qs = encodeURIComponent(q);
  const now = Date.now();
  const tabs = STATUS_ORDER.map(
    (s) => html`<a href="${ctx.base}/queues/${qs}?status=${s}" class="${s === page.status ? 'on' : ''}">${s} <span data-count="${q}:${s}">${summary.counts[s]}</span></a>`,
  );
  const rows = page.jobs.map(
    (j) => html`<tr data-job="${j.id}"><td>${jobLink(ctx, q, j.id)}</td><td>${j.name}</td><td class="status status-${j.status}">${j.status}</td>
<td>${ago(j.enqueuedAt, now)}</td><td>${page.status === 'scheduled' ? iso(j.scheduledFor) : ran(j, now)}</td><td class="n">${j.attempts}</td>
<td>${j.error ? html`<span class="mono">${cut(`${j.error.name}: ${j.error.message}`, 120)}</span>` : ''}</td></tr>`,
  );
  const from = page.total === 0 ? 0 : page.offset + 1;
  const to = page.offset + page.jobs.length;
  const link = (offset: number) => `${ctx.base}/queues/${qs}?status=${page.status}&offset=${offset}&limit=${page.limit}`;
  const body = html`<h1>Queue ${q} ${summary.paused ? html`<span class="badge paused">paused</span>` : ''}</h1>
<div class="actions">${summary.paused ? action(ctx, 'resume', 'Resume', { queue: q }) : action(ctx, 'pause', 'Pause', { queue: q })}
${action(ctx, 'empty', 'Empty (delete queued jobs)', { queue: q }, { danger: true })}
${bulk.requeue ? action(ctx, 'requeue-all', `Requeue all ${page.status}`, { queue: q, status: page.status }) : ''}
${bulk.delete ? action(ctx, 'delete-all', `Delete all ${page.status}`, { queue: q, status: page.status }, { danger: true }) : ''}
<span class="dim">${summary.workers} worker${summary.workers === 1 ? '' : 's'}</span></div>
<div class="card"><h2>Runs and jobs ended per minute, last hour</h2>${chartSvg(chart)}</div>
<nav class="tabs">${tabs}</nav>
${
  page.jobs.length
    ? html`<table class="jobs"><thead><tr><th>Id</th><th>Name</th><th>Status</th><th>Enqueued</th><th>${page.status === 'scheduled' ? 'Runs at' : 'Ran'}</th><th class="n">Attempts</th><th>Error</th></tr></thead><tbody>${rows}</tbody></table>`
    : html`<div class="card dim">No ${page.status} jobs${page.offset ? ' on this page' : ''}.</div>`
}
<div class="pager">${page.offset > 0 ? html`<a href="${link(Math.max(0, page.offset - page.limit))}" rel="prev">← newer</a>` : ''}
<span>${from}–${to} of ${page.total}</span>${to < page.total ? html`<a href="${link(page.offset + page.limit)}" rel="next">older →</a>` : ''}</div>`;
  return layout({ ...ctx, section: 'queues' }, `Queue ${q}`, body, page.offset === 0 ? 3 : 0);
}

function ran(j: JobInfo, now: number): string {
  if (!j.startedAt) return '-';
  const ms = (j.endedAt?.getTime() ?? now) - j.startedAt.getTime();
  const took = ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : span(Math.round(ms / 1000));
  return j.endedAt ? took : `${took}, running`;
}

function cut(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Which actions apply to a job in `status`. */
const JOB_ACTIONS: { name: string; label: string; when: JobStatus[]; danger?: boolean }[] = [
  { name: 'requeue', label: 'Requeue', when: ['failed', 'canceled', 'stopped', 'expired'] },
  { name: 'promote', label: 'Run now (promote)', when: ['scheduled'] },
  { name: 'cancel', label: 'Cancel', when: ['queued', 'deferred', 'scheduled'], danger: true },
  { name: 'stop', label: 'Stop', when: ['started'], danger: true },
  { name: 'delete', label: 'Delete', when: ['queued', 'deferred', 'scheduled', 'finished', 'failed', 'canceled', 'stopped', 'expired'], danger: true },
];

export function jobPage(ctx: PageContext, info: JobInfo, rel: JobRelations): Html {
  const now = Date.now();
  const q = info.queue;
  const refs = (list: { queue: string; id: string }[]) => (list.length ? list.map((r, i) => html`${i ? ', ' : ''}${jobLink(ctx, r.queue, r.id)}${r.queue !== q ? html` <span class="dim">(${r.queue})</span>` : ''}`) : '-');
  const fields: [string, unknown][] = [
    ['id', html`<span class="mono" data-field="id">${info.id}</span>`],
    ['name', info.name],
    ['queue', html`<a href="${ctx.base}/queues/${encodeURIComponent(q)}?status=${info.status}">${q}</a>`],
    ['lane', info.lane ?? '-'],
    ['group', info.group ?? '-'],
    ['status', html`<span class="status status-${info.status}" data-field="status">${info.status}</span>`],
    ['description', info.description ?? '-'],
    ['enqueued', `${iso(info.enqueuedAt)} (${ago(info.enqueuedAt, now)})`],
    ['scheduled for', iso(info.scheduledFor)],
    ['started', iso(info.startedAt)],
    ['ended', iso(info.endedAt)],
    ['ran', ran(info, now)],
    ['attempts', `${info.attempts} of ${info.maxAttempts}`],
    ['retries', info.maxRetries ? `${info.retries} of ${info.maxRetries}` : '-'],
    ['worker', info.workerId ?? '-'],
    ['timeout', info.timeoutMs < 0 ? 'none' : `${info.timeoutMs / 1000}s`],
    ['expires', iso(info.expiresAt)],
    ['depends on', refs(rel.dependencies)],
    ['dependents', html`${refs(rel.dependents)}${rel.dependentCount > rel.dependents.length ? html` <span class="dim">(${rel.dependents.length} of ${rel.dependentCount} shown)</span>` : ''}`],
    ['callbacks', rel.callbacks.length ? rel.callbacks.map((c, i) => html`${i ? ', ' : ''}${c.kind}: <span class="mono">${c.name}</span>`) : '-'],
    ['progress', info.progress === null ? '-' : html`<span data-field="progress">${pretty(info.progress)}</span>`],
  ];
  const actions = JOB_ACTIONS.filter((a) => a.when.includes(info.status)).map((a) => action(ctx, a.name, a.label, { queue: q, id: info.id }, { danger: a.danger }));
  const body = html`<h1>Job <span class="mono">${info.id}</span></h1>
${ctx.readOnly ? '' : html`<div class="actions">${actions}</div>`}
<div class="card"><dl class="fields">${fields.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl></div>
<h2>Data</h2><pre data-field="data">${pretty(info.data)}</pre>
${info.status === 'finished' || info.result !== null ? html`<h2>Result</h2><pre data-field="result">${pretty(info.result)}</pre>` : ''}
${info.error ? html`<h2>Error</h2><pre data-field="error">${info.error.name}: ${info.error.message}</pre>${info.error.stack ? html`<pre class="stack">${info.error.stack}</pre>` : ''}` : ''}
${Object.keys(info.meta).length ? html`<h2>Meta</h2><pre data-field="meta">${pretty(info.meta)}</pre>` : ''}`;
  return layout({ ...ctx, section: 'job' }, `Job ${info.id}`, body, ['queued', 'started', 'deferred', 'scheduled'].includes(info.status) ? 2 : 0);
}

export function notFoundPage(ctx: PageContext, text: string): Html {
  return layout(ctx, 'Not found', html`<h1>Not found</h1><div class="card">${text}</div>`);
}

export function schedulesPage(ctx: PageContext, list: ScheduleInfo[]): Html {
  const now = Date.now();
  const rule = (s: ScheduleInfo) => (s.rule.cron ? `cron ${s.rule.cron}${s.rule.tz ? ` ${s.rule.tz}` : ''}` : `every ${String(s.rule.every)}`);
  const rows = list.map(
    (s) => html`<tr data-schedule="${s.id}"><td class="mono">${s.id}</td><td>${s.name}</td><td><a href="${ctx.base}/queues/${encodeURIComponent(s.queue)}">${s.queue}</a></td>
<td class="mono">${rule(s)}</td><td>${s.nextRunAt ? `${iso(s.nextRunAt)} (${ago(s.nextRunAt, now)})` : 'ended'}</td><td>${iso(s.lastRunAt)}</td>
<td>${s.lastJobId ? jobLink(ctx, s.queue, s.lastJobId) : '-'}</td><td class="n">${s.runs}</td>
<td><div class="actions">${action(ctx, 'run-schedule', 'Run now', { schedule: s.id })}${action(ctx, 'remove-schedule', 'Remove', { schedule: s.id }, { danger: true })}</div></td></tr>`,
  );
  const body = html`<h1>Schedules</h1>${
    list.length
      ? html`<table><thead><tr><th>Id</th><th>Job</th><th>Queue</th><th>Rule</th><th>Next run</th><th>Last run</th><th>Last job</th><th class="n">Runs</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
      : html`<div class="card dim">No recurring schedules under this prefix.</div>`
  }`;
  return layout({ ...ctx, section: 'schedules' }, 'Schedules', body);
}

export function workersPage(ctx: PageContext, list: WorkerInfo[]): Html {
  const now = Date.now();
  const rows = list.map(
    (w) => html`<tr data-worker="${w.id}"><td class="mono">${w.id}</td><td>${w.host}</td><td class="n">${w.pid}</td><td>${w.queues.join(', ')}</td>
<td class="n">${w.running}/${w.concurrency}</td><td class="n">${w.finished}</td><td class="n ${w.failed ? 'failed-count' : ''}">${w.failed}</td><td class="n">${w.retried}</td>
<td>${span(Math.round((now - w.startedAt.getTime()) / 1000))}</td><td>${ago(w.lastSeen, now)}</td></tr>`,
  );
  const body = html`<h1>Workers</h1>${
    list.length
      ? html`<table><thead><tr><th>Worker</th><th>Host</th><th class="n">Pid</th><th>Queues</th><th class="n">Running</th><th class="n">Finished</th><th class="n">Failed</th><th class="n">Retried</th><th>Up</th><th>Seen</th></tr></thead><tbody>${rows}</tbody></table>`
      : html`<div class="card dim">No live workers under this prefix.</div>`
  }`;
  return layout({ ...ctx, section: 'workers' }, 'Workers', body, 3);
}

export function confirmPage(ctx: PageContext, name: string, question: string, fields: Record<string, string>, back: string): Html {
  const body = html`<h1>Confirm</h1><div class="card confirm"><p>${question}</p>
<div class="actions"><form method="post" action="${ctx.base}/actions/${name}"><input type="hidden" name="_csrf" value="${ctx.csrf}">${Object.entries(fields).map(
    ([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`,
  )}<input type="hidden" name="confirmed" value="1"><button type="submit" class="danger" data-confirm="${name}">Yes, ${name.replace('-', ' ')}</button></form>
<a href="${back}">Cancel</a></div></div>`;
  return layout(ctx, 'Confirm', body);
}
