import { HandlerRegistry, QueueClient, Worker, type JobContext, type JobSnapshot, type QueueClientOptions, type WorkerOptions } from '../src/index.js';
import { KeySpace } from '../src/core/redis/keys.js';
import { rawRedis, testConnection, uniquePrefix } from './helpers.js';

const open = new Set<{ close(): Promise<void> }>();
const shared = new Set<{ close(): Promise<void> }>();
// Every engine a test made is closed after it, even when the test failed, so no worker outlives its test; engines
// made outside a test (shared by a describe block) are closed after all its tests.
afterEach(async () => {
  const all = [...open];
  open.clear();
  await Promise.all(all.map((e) => e.close()));
});

afterAll(async () => {
  const all = [...shared];
  shared.clear();
  await Promise.all(all.map((e) => e.close()));
});

type Handler = (data: never, ctx: JobContext) => unknown;
type Callback = (job: JobSnapshot, arg?: never) => unknown;

/**
 * A client, a registry of `handlers` (and `callbacks`) and (on demand) workers, all on one fresh prefix; `close()`
 * ends them all.
 */
export function engine(
  label: string,
  handlers: Record<string, Handler>,
  options: Partial<QueueClientOptions> = {},
  callbacks: Record<string, Callback> = {},
) {
  const registry = new HandlerRegistry();
  for (const [name, handle] of Object.entries(handlers)) {
    registry.register({ name, source: `test.${name}`, defaults: {}, handle: handle as (d: unknown, c: JobContext) => unknown });
  }
  for (const [name, handle] of Object.entries(callbacks)) {
    registry.registerCallback({ name, source: `test.${name}`, handle: handle as (j: JobSnapshot, a?: unknown) => unknown });
  }
  const prefix = uniquePrefix(label);
  const client = new QueueClient({ connection: testConnection(), prefix, registry, ...options });
  const workers: Worker[] = [];
  const keys = new KeySpace(prefix);
  let raw: ReturnType<typeof rawRedis> | undefined;
  let closed: Promise<void> | undefined;
  const made = {
    prefix,
    client,
    registry,
    /** a plain connection for looking at (or tampering with) the stored keys */
    get redis(): ReturnType<typeof rawRedis> {
      return (raw ??= rawRedis());
    },
    /** the key base of a queue, `<prefix>:{<queue>}:` */
    base(queue: string): string {
      return keys.queue(queue).base;
    },
    worker(opts: Partial<WorkerOptions> = {}): Worker {
      const w = new Worker(client, registry, { queues: [client.defaultQueue], concurrency: 10, ...opts });
      workers.push(w);
      w.start();
      return w;
    },
    close(): Promise<void> {
      closed ??= (async () => {
        await Promise.all(workers.map((w) => w.close()));
        await client.close();
        raw?.disconnect();
      })();
      return closed;
    },
  };
  (expect.getState().currentTestName ? open : shared).add(made);
  return made;
}
