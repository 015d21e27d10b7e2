import { createInterface } from 'node:readline/promises';
import {
  DELETE_STATUSES,
  InvalidJobStateError,
  JobNotFoundError,
  REQUEUE_STATUSES,
  ScheduleNotFoundError,
  type EnqueueOptions,
  type JobHandle,
  type JobStatus,
  type ManyJobsOutcome,
} from '../../core/index.js';
import { UsageError, type CliContext } from '../context.js';
import { dateOption, durationOption, intOption, jsonOption, statusOption } from './parse.js';

export interface EnqueueFlags {
  queue?: string;
  data?: string;
  options?: string;
  jobId?: string;
  atFront?: boolean;
  ttl?: string;
  timeout?: string;
  resultTtl?: string;
  failureTtl?: string;
  attempts?: string;
  description?: string;
  meta?: string;
  dependsOn?: string[];
  delay?: string;
  runAt?: string;
  wait?: string;
}

/** `enqueue <name> [--queue] [--data] [options]`: stores one job; `--wait` also waits for its result. */
export async function enqueue(ctx: CliContext, name: string, flags: EnqueueFlags): Promise<void> {
  const data = flags.data === undefined ? undefined : jsonOption('data', flags.data);
  const options = (flags.options === undefined ? {} : jsonOption('options', flags.options)) as EnqueueOptions & Record<string, unknown>;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new UsageError('--options must be a JSON object of enqueue options.');
  const set = (key: string, value: unknown) => {
    if (value !== undefined) options[key] = value;
  };
  set('queue', flags.queue);
  set('jobId', flags.jobId);
  set('atFront', flags.atFront);
  set('ttl', flags.ttl && durationOption(flags.ttl));
  set('timeout', flags.timeout && durationOption(flags.timeout));
  set('resultTtl', flags.resultTtl && durationOption(flags.resultTtl));
  set('failureTtl', flags.failureTtl && durationOption(flags.failureTtl));
  set('attempts', flags.attempts && intOption('attempts', flags.attempts, 1, 1000));
  set('description', flags.description);
  set('meta', flags.meta && jsonOption('meta', flags.meta));
  set('dependsOn', flags.dependsOn);
  set('delay', flags.delay && durationOption(flags.delay));
  set('runAt', flags.runAt && dateOption('run-at', flags.runAt));
  const client = await ctx.connect();
  const handle = await client.enqueue(name, data, options);
  const status = await handle.getStatus();
  const out = ctx.output;
  if (flags.wait === undefined) {
    if (out.json) return out.data({ id: handle.id, name: handle.name, queue: handle.queue, status });
    return out.line(`Enqueued ${handle.name} as ${handle.id} in queue ${handle.queue} (${out.status(status)}).`);
  }
  const result = await handle.result({ timeout: durationOption(flags.wait) });
  if (out.json) return out.data({ id: handle.id, name: handle.name, queue: handle.queue, status: 'finished', result });
  out.line(JSON.stringify(result, null, 2) ?? 'undefined');
}

/** `requeue <id...> | --all [--status failed] --queue q`. */
export async function requeue(ctx: CliContext, ids: string[], opts: { queue?: string; all?: boolean; status?: string }): Promise<void> {
  const out = ctx.output;
  if (opts.all) {
    const queue = allTarget(ids, opts, 'requeue');
    const status = statusOption(opts.status ?? 'failed', REQUEUE_STATUSES);
    const client = await ctx.connect();
    const n = await withProgress(ctx, `Requeueing ${status} jobs`, (p) => client.requeueAll(queue, status, p));
    if (out.json) return out.data({ requeued: n, queue, status });
    return out.line(`Requeued ${n} ${status} job(s) of queue ${queue}.`);
  }
  if (!ids.length) throw new UsageError('Name the jobs to requeue (ids), or --all --queue <queue> [--status failed].');
  const client = await ctx.connect();
  const outcome = await withProgress(ctx, 'Requeueing', (p) => client.requeueJobs(ids, { queue: opts.queue, onProgress: p }));
  report(ctx, outcome, 'requeued');
}

/** `delete <id...> | --all --status <status> --queue q [--yes]`. */
export async function remove(ctx: CliContext, ids: string[], opts: { queue?: string; all?: boolean; status?: string; yes?: boolean }): Promise<void> {
  const out = ctx.output;
  if (opts.all) {
    const queue = allTarget(ids, opts, 'delete');
    if (opts.status === undefined) throw new UsageError(`--all needs --status (one of ${DELETE_STATUSES.join(', ')}).`);
    const status = statusOption(opts.status, DELETE_STATUSES);
    const client = await ctx.connect();
    await confirm(ctx, opts.yes, `Delete every ${status} job of queue ${queue}?`);
    const n = await withProgress(ctx, `Deleting ${status} jobs`, (p) => client.deleteAll(queue, status, p));
    if (out.json) return out.data({ deleted: n, queue, status });
    return out.line(`Deleted ${n} ${status} job(s) of queue ${queue}.`);
  }
  if (!ids.length) throw new UsageError('Name the jobs to delete (ids), or --all --status <status> --queue <queue>.');
  const client = await ctx.connect();
  const outcome = await withProgress(ctx, 'Deleting', (p) => client.deleteJobs(ids, { queue: opts.queue, onProgress: p }));
  report(ctx, outcome, 'deleted');
}

/** `cancel <id...> [--queue]`: jobs that have not started never will. */
export async function cancel(ctx: CliContext, ids: string[], opts: { queue?: string }): Promise<void> {
  await oneByOne(ctx, ids, opts.queue, 'canceled', (h) => h.cancel());
}

/** `promote <id...> [--queue]`: scheduled jobs (delayed, or waiting for a retry) become runnable now. */
export async function promote(ctx: CliContext, ids: string[], opts: { queue?: string }): Promise<void> {
  await oneByOne(ctx, ids, opts.queue, 'promoted', (h) => h.promote());
}

/** `empty <queue> [--yes]`: deletes the queue's queued jobs. */
export async function empty(ctx: CliContext, queue: string, opts: { yes?: boolean }): Promise<void> {
  const client = await ctx.connect();
  await confirm(ctx, opts.yes, `Delete every queued job of queue ${queue}?`);
  const n = await withProgress(ctx, 'Emptying', (p) => client.emptyQueue(queue, p));
  if (ctx.output.json) return ctx.output.data({ deleted: n, queue });
  ctx.output.line(`Deleted ${n} queued job(s) of queue ${queue}.`);
}

/** `delete-queue <queue> [--yes] [--force]`: deletes the queue, every job and key of it. */
export async function deleteQueue(ctx: CliContext, queue: string, opts: { yes?: boolean; force?: boolean }): Promise<void> {
  const client = await ctx.connect();
  await confirm(ctx, opts.yes, `Delete queue ${queue} with all its jobs, schedules and settings?`);
  const { keys, ids } = await client.deleteQueue(queue, { force: opts.force === true });
  if (ctx.output.json) return ctx.output.data({ queue, deleted: true, keys, ids });
  ctx.output.line(`Deleted queue ${queue} (${keys} key(s), ${ids} job id index entr${ids === 1 ? 'y' : 'ies'}).`);
}

/** `schedules run <id>`: the schedule's job now (the dashboard's "run now"). */
export async function runSchedule(ctx: CliContext, id: string): Promise<void> {
  const client = await ctx.connect();
  const handle = await client.runSchedule(id);
  if (!handle) throw new ScheduleNotFoundError(id);
  const status = await handle.getStatus();
  if (ctx.output.json) return ctx.output.data({ schedule: id, id: handle.id, name: handle.name, queue: handle.queue, status });
  ctx.output.line(`Ran schedule ${id}: job ${handle.id} (${handle.name}) in queue ${handle.queue}, ${status}.`);
}

/** `pause <queue>` / `resume <queue>`. */
export async function pause(ctx: CliContext, queue: string, paused: boolean): Promise<void> {
  const client = await ctx.connect();
  const changed = paused ? await client.pauseQueue(queue) : await client.resumeQueue(queue);
  if (ctx.output.json) return ctx.output.data({ queue, paused, changed });
  ctx.output.line(`Queue ${queue} ${paused ? 'paused' : 'resumed'}${changed ? '' : ` (it was already ${paused ? 'paused' : 'running'})`}.`);
}

function allTarget(ids: string[], opts: { queue?: string }, verb: string): string {
  if (ids.length) throw new UsageError(`Give either ids or --all, not both, to ${verb}.`);
  if (!opts.queue) throw new UsageError(`--all needs --queue <queue>.`);
  return opts.queue;
}

/** A destructive step goes on with --yes, or once a person at a terminal says yes. */
async function confirm(ctx: CliContext, yes: boolean | undefined, question: string): Promise<void> {
  if (yes) return;
  if (ctx.output.json || !process.stdin.isTTY || !process.stdout.isTTY) throw new UsageError(`${question} Add --yes to confirm.`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new UsageError('Not confirmed; nothing was changed.');
  } finally {
    rl.close();
  }
}

async function withProgress<T>(ctx: CliContext, label: string, run: (progress: (done: number, total: number) => void) => Promise<T>): Promise<T> {
  const bar = ctx.output.progress(label);
  try {
    return await run((done, total) => {
      // a bar only for work big enough to watch
      if (total >= 1000) bar.update(done, total);
    });
  } finally {
    bar.stop();
  }
}

/** Prints what a many-ids operation did; ids it could not handle make the run fail (exit 1) after the report. */
function report(ctx: CliContext, outcome: ManyJobsOutcome, verb: string): void {
  const out = ctx.output;
  if (out.json) out.data({ [verb]: outcome.done, missing: outcome.missing, refused: outcome.refused });
  else {
    out.line(`${verb[0]!.toUpperCase()}${verb.slice(1)} ${outcome.done.length} job(s).`);
    for (const id of outcome.missing) out.note(`${out.colors.yellow('missing')} ${id}: no such job`);
    for (const r of outcome.refused) out.note(`${out.colors.yellow('refused')} ${r.id}: it is ${r.status}`);
  }
  if (outcome.missing.length || outcome.refused.length) ctx.exitCode = 1;
}

async function oneByOne(ctx: CliContext, ids: string[], queue: string | undefined, verb: string, act: (h: JobHandle) => Promise<void>): Promise<void> {
  if (!ids.length) throw new UsageError(`Name the jobs (ids) to have ${verb}.`);
  const client = await ctx.connect();
  const outcome: ManyJobsOutcome = { done: [], missing: [], refused: [] };
  for (const id of ids) {
    const h = await client.getJob(id, queue);
    // a duplicate inbox entry's id names the live job only to be read: acting on it is asked by that job's own id
    if (!h || h.duplicate) {
      outcome.missing.push(id);
      continue;
    }
    try {
      await act(h);
      outcome.done.push(id);
    } catch (err) {
      if (err instanceof InvalidJobStateError) outcome.refused.push({ id, status: err.status as JobStatus });
      else if (err instanceof JobNotFoundError) outcome.missing.push(id);
      else throw err;
    }
  }
  report(ctx, outcome, verb);
}
