import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { InvalidOptionError } from '../core/index.js';
import * as act from './commands/act.js';
import * as read from './commands/read.js';
import { CliContext, UsageError, type GlobalOptions } from './context.js';

/** Exit codes: 0 done, 1 an error (Redis unreachable, a job not found, ...), 2 a usage mistake. */
export const EXIT = { ok: 0, error: 1, usage: 2 } as const;

type Action = (ctx: CliContext, ...args: never[]) => Promise<void>;

/**
 * The `jobline` command line, on commander: the global options (--url, --prefix, --json) are taken before or after
 * the command; each command gets a CliContext and its own arguments. Resolves with the exit code.
 */
export async function main(argv: string[]): Promise<number> {
  let ctx: CliContext | null = null;
  const program = new Command('jobline')
    .description('Operate Jobline queues on Redis: look at queues, jobs and workers, act on them, serve metrics.')
    .version(version(), '-V, --version')
    .option('--url <url>', 'Redis URL (default: REDIS_URL, else redis://127.0.0.1:6379)')
    .option('--cluster <nodes>', 'a Redis Cluster: some of its nodes, host:port[,host:port...] (default: JOBLINE_CLUSTER_NODES)')
    .option('--prefix <prefix>', "key prefix of the queues (default: JOBLINE_PREFIX, else 'jobline')")
    .option('--json', 'print stable JSON (one document per line) instead of tables')
    .option('--progress', 'report the progress of bulk work on stderr even when it is not a terminal (JSON lines with --json)')
    .showHelpAfterError('(jobline --help lists the commands)')
    .exitOverride();
  // runs an action with the context of the options given anywhere on the line
  const run =
    (fn: Action) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      ctx = new CliContext(cmd.optsWithGlobals<GlobalOptions>());
      await (fn as (ctx: CliContext, ...rest: unknown[]) => Promise<void>)(ctx, ...args.slice(0, -1));
    };
  const queueOpt = () => new Option('-q, --queue <queue>', 'the queue (default: wherever each job is)');

  program
    .command('queues')
    .description('counts of jobs per status, paused or not, and live workers, for every queue')
    .option('-w, --watch', 'refresh until Ctrl-C')
    .option('-i, --interval <seconds>', 'refresh interval with --watch', '2')
    .action(run((c, opts: { watch?: boolean; interval?: string }) => read.queues(c, opts)));
  program
    .command('jobs <queue>')
    .description("a page of one status's jobs of a queue")
    .option('-s, --status <status>', 'queued, deferred, scheduled, started, finished, failed, stopped, canceled or expired', 'queued')
    .option('-l, --limit <n>', 'jobs per page (at most 1000)', '20')
    .option('-o, --offset <n>', 'jobs to skip', '0')
    .action(run((c, queue: string, opts: { status?: string; limit?: string; offset?: string }) => read.jobs(c, queue, opts)));
  program
    .command('job <id>')
    .description("one job's info: status, data, result, error, timings")
    .addOption(queueOpt())
    .action(run((c, id: string, opts: { queue?: string }) => read.job(c, id, opts)));
  program
    .command('enqueue <name>')
    .description('enqueue one job (its handler runs in your workers)')
    .addOption(queueOpt().default(undefined, 'the default queue'))
    .option('-d, --data <json>', 'the job data, as JSON')
    .option('--job-id <id>', 'a job id of your own (idempotent submit)')
    .option('--at-front', 'put it at the head of its queue')
    .option('--ttl <duration>', "longest wait before it starts (seconds, or '30s', '5m')")
    .option('--timeout <duration>', 'longest run time')
    .option('--result-ttl <duration>', 'how long its result is kept')
    .option('--failure-ttl <duration>', 'how long it is kept if it fails')
    .option('--attempts <n>', 'runs a dead worker may cut short')
    .option('--description <text>', 'a description')
    .option('--meta <json>', 'meta, as a JSON object')
    .option('--depends-on <id...>', 'ids of jobs it waits for')
    .option('--delay <duration>', 'start no earlier than this (delayed jobs)')
    .option('--run-at <date>', 'start no earlier than this instant (ISO 8601, or epoch ms)')
    .option('--options <json>', 'any other enqueue options, as a JSON object')
    .option('--wait <duration>', 'wait this long for the result and print it')
    .action(run((c, name: string, flags: act.EnqueueFlags) => act.enqueue(c, name, flags)));
  program
    .command('requeue [ids...]')
    .description('put failed (or canceled, stopped, expired) jobs back on their queue: by id, or --all of a status')
    .addOption(queueOpt())
    .option('-a, --all', 'every job of --queue in --status')
    .option('-s, --status <status>', 'with --all: failed, canceled, stopped or expired', 'failed')
    .action(run((c, ids: string[], opts: { queue?: string; all?: boolean; status?: string }) => act.requeue(c, ids, opts)));
  program
    .command('cancel <ids...>')
    .description('cancel jobs that have not started (queued, deferred, scheduled)')
    .addOption(queueOpt())
    .action(run((c, ids: string[], opts: { queue?: string }) => act.cancel(c, ids, opts)));
  program
    .command('delete [ids...]')
    .description('delete jobs whatever their status: by id, or --all of a status')
    .addOption(queueOpt())
    .option('-a, --all', 'every job of --queue in --status')
    .option('-s, --status <status>', 'with --all: queued, deferred, scheduled, finished, failed, canceled, stopped or expired')
    .option('-y, --yes', 'do not ask for confirmation (--all)')
    .action(run((c, ids: string[], opts: { queue?: string; all?: boolean; status?: string; yes?: boolean }) => act.remove(c, ids, opts)));
  program
    .command('promote <ids...>')
    .description('make scheduled (delayed) jobs runnable now')
    .addOption(queueOpt())
    .action(run((c, ids: string[], opts: { queue?: string }) => act.promote(c, ids, opts)));
  program
    .command('empty <queue>')
    .description("delete a queue's queued jobs")
    .option('-y, --yes', 'do not ask for confirmation')
    .action(run((c, queue: string, opts: { yes?: boolean }) => act.empty(c, queue, opts)));
  program
    .command('delete-queue <queue>')
    .description('delete a queue: all its jobs (any status), schedules, settings and keys')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--force', 'delete it even while live workers consume it')
    .action(run((c, queue: string, opts: { yes?: boolean; force?: boolean }) => act.deleteQueue(c, queue, opts)));
  program
    .command('pause <queue>')
    .description('its workers fetch nothing until resumed (enqueue goes on)')
    .action(run((c, queue: string) => act.pause(c, queue, true)));
  program
    .command('resume <queue>')
    .description('its workers fetch again')
    .action(run((c, queue: string) => act.pause(c, queue, false)));
  const schedules = program
    .command('schedules')
    .description('recurring schedules: rule, next and last run (`schedules run <id>` runs one now)')
    .addOption(queueOpt())
    .action(run((c, opts: { queue?: string }) => read.schedules(c, opts)));
  schedules
    .command('run <id>')
    .description("enqueue a schedule's job now, as a tick would (its next tick is unchanged)")
    .action(run((c, id: string) => act.runSchedule(c, id)));
  program
    .command('workers')
    .description('live workers: queues, jobs running and done, host, pid, since when')
    .action(run((c) => read.workers(c)));
  program
    .command('serve')
    .description('serve the dashboard (/jobline/), the metrics, and the HTTP API (with --api-key) without writing an application')
    .option('-p, --port <port>', 'port (default: PORT, else 3000)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--api-key <key...>', 'API keys for the HTTP API (also JOBLINE_API_KEYS, comma-separated)')
    .option('--read-only', 'the dashboard shows, and refuses every action')
    .action(run(async (c, opts: { port?: string; host?: string; apiKey?: string[]; readOnly?: boolean }) => (await import('./commands/serve.js')).serve(c, opts)));

  try {
    await program.parseAsync(argv);
    return (ctx as CliContext | null)?.exitCode ?? EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version end with code 0; commander has printed the problem otherwise
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const output = (ctx as CliContext | null)?.output ?? new CliContext({ json: argv.includes('--json') }).output;
    const e = err instanceof Error ? err : new Error(String(err));
    output.error(e);
    return e instanceof UsageError || e instanceof InvalidOptionError ? EXIT.usage : EXIT.error;
  } finally {
    await (ctx as CliContext | null)?.close().catch(() => undefined);
  }
}

/** The package's version, from its package.json (two levels up from dist/cli). */
function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
