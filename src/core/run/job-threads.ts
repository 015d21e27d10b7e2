import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type { Piscina } from 'piscina';
import { InvalidOptionError, JobThreadExitedError, ThreadSetupError } from '../model/errors.js';
import type { JobHandlerDefinition } from '../model/handler-registry.js';
import { assertKnownKeys } from '../model/known-keys.js';
import { decodeJson } from '../model/payload.js';
import type { JobContext, JsonObject } from '../model/types.js';
import { THREAD_OPTION_NAMES, type ThreadOptions } from '../worker/worker-options.js';
import { errorInfo } from './outcome.js';
import { errorFrom, type DownMessage, type MetaMessage, type ThreadAnswer, type ThreadSetup, type ThreadTask } from './thread-protocol.js';

/**
 * How long a thread whose job was aborted (timeout, stop, lost lease, shutdown) gets to end on its signal before it is
 * terminated: a CPU-bound handler never looks at its signal, so only terminating the thread ends it.
 */
export const THREAD_ABORT_GRACE_MS = 1000;

/** Runs a thread-isolated handler. Worker threads run what runJob would run inline (run/thread-entry.ts). */
export interface ThreadRunner {
  run(def: JobHandlerDefinition, data: unknown, ctx: JobContext): Promise<unknown>;
}

/** Checks ThreadOptions and resolves the setup each thread runs. */
export function threadSetup(options: ThreadOptions): { setup: ThreadSetup; size: number } {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError('threads', options, 'an object { module, export?, data?, size? }');
  }
  assertKnownKeys(options, 'threads', THREAD_OPTION_NAMES);
  const m: unknown = options.module;
  let module: string;
  if (m instanceof URL && m.protocol === 'file:') module = m.href;
  else if (typeof m === 'string' && m.startsWith('file:')) module = m;
  else if (typeof m === 'string' && isAbsolute(m)) module = pathToFileURL(m).href;
  else throw new InvalidOptionError('threads.module', m, 'an absolute path or a file: URL of the module that registers the handlers a thread runs');
  const exp = options.export ?? 'default';
  if (typeof exp !== 'string' || exp === '') throw new InvalidOptionError('threads.export', options.export, 'the name of the exported setup function');
  const size = options.size ?? Math.max(1, availableParallelism() - 1);
  if (!Number.isInteger(size) || size < 1 || size > 1024) throw new InvalidOptionError('threads.size', options.size, 'a whole number from 1 to 1024');
  return { setup: { module, export: exp, data: options.data }, size };
}

/**
 * A Worker's pool of job threads (piscina), made when the worker has thread-isolated handlers. The main thread keeps
 * the lease, the timeout and the outcome; a thread only runs the handler. A thread whose job is aborted is terminated
 * after THREAD_ABORT_GRACE_MS and replaced, so a timeout really ends a run that never yields.
 */
export class JobThreads implements ThreadRunner {
  private readonly setup: ThreadSetup;
  private readonly size: number;
  /** Made by the first isolated job, so a worker that never runs one starts no thread. */
  private pool: Piscina | null = null;

  constructor(options: ThreadOptions) {
    ({ setup: this.setup, size: this.size } = threadSetup(options));
  }

  private threads(): Piscina {
    if (this.pool) return this.pool;
    // loaded with the first pool, not with the engine: a command line or a worker without threads never needs it
    const { Piscina: Pool } = createRequire(import.meta.url)('piscina') as typeof import('piscina');
    this.pool = new Pool({
      filename: runnableFile(new URL('./thread-entry.js', import.meta.url)),
      // every thread is kept: its setup (a Nest application context) is costly, and piscina replaces a terminated
      // thread only up to minThreads (a job waiting for a thread would otherwise wait for good)
      minThreads: this.size,
      maxThreads: this.size,
      // the default ('sync') parks an idle thread in Atomics.wait, which would freeze the setup's own I/O
      // (a Nest context's Redis client) between jobs
      atomics: 'disabled',
      workerData: { jobline: this.setup },
    });
    return this.pool;
  }

  async run(def: JobHandlerDefinition, data: unknown, ctx: JobContext): Promise<unknown> {
    const { port1, port2 } = new MessageChannel();
    const terminate = new AbortController();
    let grace: NodeJS.Timeout | undefined;
    const signal = ctx.signal;
    const onAbort = () => {
      port1.postMessage({ t: 'abort', error: errorInfo(signal.reason) } satisfies DownMessage);
      grace = setTimeout(() => terminate.abort(signal.reason), THREAD_ABORT_GRACE_MS);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    port1.on('message', (m: MetaMessage) => {
      (m.t === 'meta' ? ctx.updateMeta(m.patch) : ctx.progress(JSON.parse(m.json) as number | JsonObject)).then(
        () => port1.postMessage({ t: 'meta-done', seq: m.seq } satisfies DownMessage),
        (err: unknown) => port1.postMessage({ t: 'meta-done', seq: m.seq, error: errorInfo(err) } satisfies DownMessage),
      );
    });
    const task: ThreadTask = { name: def.name, data, job: { id: ctx.id, name: ctx.name, queue: ctx.queue, attempt: ctx.attempt, retries: ctx.retries }, meta: ctx.meta, port: port2 };
    let answer: ThreadAnswer;
    try {
      answer = (await this.threads().run(task, { transferList: [port2], signal: terminate.signal })) as ThreadAnswer;
    } catch (err) {
      // terminated on abort: the run's outcome is already the abort's (timeout, stop...) or no longer counts
      if (signal.aborted) throw signal.reason;
      throw new JobThreadExitedError(`The worker thread running job ${ctx.id} ended before the job did: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      clearTimeout(grace);
      signal.removeEventListener('abort', onAbort);
      port1.close();
    }
    if (!answer.ok) throw errorFrom(answer.error);
    return decodeJson(answer.json);
  }

  /** Terminates every thread (running jobs were released before: Worker.close). */
  async close(): Promise<void> {
    await this.pool?.destroy();
  }
}

/** The runner of a worker without threads: a thread-isolated handler fails its job, naming what is missing. */
export const NO_THREADS: ThreadRunner = {
  run(def) {
    return Promise.reject(
      new ThreadSetupError(`Job "${def.name}" is marked isolate: 'thread', but this worker has no thread pool: give the Worker (or QueueConsumerModule.forRoot) a \`threads\` setup.`),
    );
  },
};

/**
 * The file a worker thread can load: the built .js beside this module, or, when this module runs from its TypeScript
 * source (the tests, under ts-jest), the same file in dist/, since a worker thread loads plain JavaScript.
 */
export function runnableFile(url: URL): string {
  const path = fileURLToPath(url);
  if (existsSync(path)) return path;
  const built = path.replace(/([\\/])src([\\/])(?!.*[\\/]src[\\/])/, '$1dist$2');
  if (built !== path && existsSync(built)) return built;
  throw new ThreadSetupError(`The worker-thread entry ${path} is missing; build the package (npm run build).`);
}
