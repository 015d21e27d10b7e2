// The module every worker thread of a Worker's pool loads (piscina calls its default export once per job). It runs
// the thread's setup once (ThreadOptions: a module whose export registers the handlers this thread can run), then runs
// each job's handler with a context whose meta saves and abort cross back over the job's own port.
import type { MessagePort } from 'node:worker_threads';
import { workerData } from 'piscina';
import { ThreadSetupError } from '../model/errors.js';
import { HandlerRegistry } from '../model/handler-registry.js';
import { encodeJson } from '../model/payload.js';
import { encodeProgress } from '../model/progress.js';
import type { JobContext, JsonObject } from '../model/types.js';
import { errorInfo } from './outcome.js';
import { errorFrom, type DownMessage, type MetaMessage, type ThreadAnswer, type ThreadSetup, type ThreadTask } from './thread-protocol.js';
import { markJobThread } from './thread-flag.js';

markJobThread();
const setup = (workerData as { jobline: ThreadSetup }).jobline;
const ready: Promise<HandlerRegistry> = loadHandlers(setup);
ready.catch(() => undefined); // reported to each job that asks for it, not as an unhandled rejection

async function loadHandlers(s: ThreadSetup): Promise<HandlerRegistry> {
  const where = `the thread setup ${s.module}#${s.export}`;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(s.module)) as Record<string, unknown>;
  } catch (err) {
    throw new ThreadSetupError(`Loading ${where} failed: ${String(err)}`);
  }
  const fn = mod[s.export];
  if (typeof fn !== 'function') {
    throw new ThreadSetupError(`${where} is not a function (got ${typeof fn}); export a function (registry, data) that registers the handlers.`);
  }
  const registry = new HandlerRegistry();
  try {
    await (fn as (r: HandlerRegistry, d: unknown) => unknown)(registry, s.data);
  } catch (err) {
    throw new ThreadSetupError(`${where} threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  return registry;
}

/** Runs one job in this thread. Never throws: the answer carries the handler's error. */
export default async function runInThread(task: ThreadTask): Promise<ThreadAnswer> {
  const ctx = new ThreadContext(task);
  try {
    const def = (await ready).require(task.name);
    const result = await def.handle(task.data, ctx);
    return { ok: true, json: encodeJson(result, () => `The return value of job "${task.name}"`) };
  } catch (err) {
    return { ok: false, error: errorInfo(err) };
  } finally {
    ctx.close();
  }
}

/** The handler's ctx in a thread: the same fields as in the main thread; updateMeta resolves once the main thread saved it. */
class ThreadContext implements JobContext {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly attempt: number;
  readonly retries: number;
  readonly meta: JsonObject;
  readonly #controller = new AbortController();
  readonly #port: MessagePort;
  readonly #pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  #seq = 0;

  constructor(task: ThreadTask) {
    ({ id: this.id, name: this.name, queue: this.queue, attempt: this.attempt, retries: this.retries } = task.job);
    this.meta = task.meta;
    this.#port = task.port;
    this.#port.on('message', (m: DownMessage) => {
      if (m.t === 'abort') {
        this.#controller.abort(errorFrom(m.error));
        return;
      }
      const p = this.#pending.get(m.seq);
      this.#pending.delete(m.seq);
      if (m.error) p?.reject(errorFrom(m.error));
      else p?.resolve();
    });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  updateMeta(patch: JsonObject): Promise<void> {
    Object.assign(this.meta, patch);
    return this.#send({ t: 'meta', seq: ++this.#seq, patch });
  }

  progress(value: number | JsonObject): Promise<void> {
    let json: string;
    try {
      // checked here, so a bad value throws where the handler runs, with the same error as inline
      json = encodeProgress(value);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.#send({ t: 'progress', seq: ++this.#seq, json });
  }

  #send(message: MetaMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.set(message.seq, { resolve, reject });
      this.#port.postMessage(message);
    });
  }

  close(): void {
    this.#port.close();
  }
}
