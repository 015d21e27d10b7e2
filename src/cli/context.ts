import { connectOnce, InvalidOptionError, JoblineError, QueueClient, RedisUnavailableError, type Logger } from '../core/index.js';
import { Output } from './output.js';

/** The options every command takes. */
export interface GlobalOptions {
  url?: string;
  cluster?: string;
  prefix?: string;
  json?: boolean;
  progress?: boolean;
}

/** A usage mistake (a bad argument or option value): exit code 2. */
export class UsageError extends JoblineError {}

/** Redis did not answer: exit code 1, said within the 5 s the command line allows. */
export class RedisUnreachableError extends JoblineError {}

/**
 * How long a command waits for Redis before it gives up: until 4 s after the process started (at least 1 s), so the
 * whole run, a slow start on a loaded machine and the close included, ends within 5 s.
 */
const CONNECT_DEADLINE_MS = 4000;
const CONNECT_TIMEOUT_MIN_MS = 1000;
/** Longest wait for the connections to close at the end (the process exits then anyway). */
const CLOSE_TIMEOUT_MS = 500;

/** What is left of the connect deadline, in whole tenths of a second (the error message says it). */
function connectTimeoutMs(): number {
  return Math.round(Math.max(CONNECT_TIMEOUT_MIN_MS, CONNECT_DEADLINE_MS - performance.now()) / 100) * 100;
}

/** Jobline's own log lines stay out of a command's output: the command reports what matters itself. */
const QUIET: Logger = { log() {}, warn() {}, error() {} };

/** What each command is handed: the output, and a client connected to the Redis the options name. */
export class CliContext {
  readonly output: Output;
  /** Set by a command that reported a partial failure (some ids missing or refused): the run ends with it. */
  exitCode = 0;
  private client: QueueClient | null = null;
  private redis: Awaited<ReturnType<typeof connectOnce>>['redis'] | null = null;

  constructor(readonly options: GlobalOptions) {
    this.output = new Output(options.json === true, options.progress === true);
  }

  /**
   * The client, on a connection that answered by CONNECT_DEADLINE_MS (at once when refused) and that does not
   * reconnect (a command fails rather than waits when Redis goes away); RedisUnreachableError otherwise.
   */
  async connect(): Promise<QueueClient> {
    if (this.client) return this.client;
    const prefix = this.options.prefix ?? process.env.JOBLINE_PREFIX ?? 'jobline';
    try {
      this.redis = (await connectOnce(this.target(), connectTimeoutMs())).redis;
      this.client = new QueueClient({ connection: this.redis, prefix, logger: QUIET, logFailedJobs: false, noWorkerWarning: false, tracing: false });
    } catch (err) {
      if (err instanceof InvalidOptionError) throw new UsageError(err.message);
      if (err instanceof RedisUnavailableError) {
        throw new RedisUnreachableError(`Redis at ${err.address} is unreachable (${err.reason ?? 'no answer'}). Check --url or REDIS_URL (--cluster or JOBLINE_CLUSTER_NODES for a cluster).`);
      }
      throw err;
    }
    return this.client;
  }

  /**
   * Where to connect: --url, else --cluster, else JOBLINE_CLUSTER_NODES, else REDIS_URL, else the local default. Nodes
   * are "host:port" separated by commas, or a JSON array of { host, port }.
   */
  private target(): string | { cluster: { host: string; port: number }[] } {
    if (this.options.url !== undefined) return this.options.url;
    const nodes = this.options.cluster ?? process.env.JOBLINE_CLUSTER_NODES;
    if (nodes) return { cluster: clusterNodes(nodes, this.options.cluster !== undefined ? '--cluster' : 'JOBLINE_CLUSTER_NODES') };
    return process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  }

  async close(): Promise<void> {
    const { client, redis } = this;
    this.client = null;
    this.redis = null;
    let timer: NodeJS.Timeout | undefined;
    const closing = (async () => {
      await client?.close();
      await redis?.quit().catch(() => redis.disconnect());
    })();
    await Promise.race([closing, new Promise<void>((r) => (timer = setTimeout(r, CLOSE_TIMEOUT_MS)))]);
    clearTimeout(timer);
  }
}

/** A cluster's nodes from "host:port,host:port" or a JSON array of { host, port }; a UsageError naming `what` otherwise. */
export function clusterNodes(text: string, what: string): { host: string; port: number }[] {
  const bad = () => new UsageError(`${what} must list cluster nodes as host:port[,host:port...] (or a JSON array of { host, port }); got "${text}".`);
  if (text.trim().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw bad();
    }
    const ok = (n: unknown): n is { host: string; port: number } =>
      typeof n === 'object' && n !== null && typeof (n as { host?: unknown }).host === 'string' && Number.isInteger((n as { port?: unknown }).port);
    if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every(ok)) throw bad();
    return parsed.map((n) => ({ host: n.host, port: n.port }));
  }
  return text.split(',').map((part) => {
    const m = /^\s*\[?([^\]]*?)\]?:(\d{1,5})\s*$/.exec(part);
    if (!m || !m[1]) throw bad();
    return { host: m[1], port: Number(m[2]) };
  });
}
