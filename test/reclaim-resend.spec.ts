import { createHash } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { JobAbandonedError, QueueClient, Worker, type JobSnapshot } from '../src/index.js';
import { scriptSource } from '../src/core/redis/scripts.js';
import { ChildWorker } from './child.js';
import { engine } from './engine.js';
import { redisUrl, sleep, until } from './helpers.js';

/**
 * A TCP proxy in front of Redis that, once armed, lets the command through and then cuts that
 * connection without passing on anything Redis answered after it: the script ran, its reply is lost, and ioredis
 * sends the command again on its next connection (as when Redis stops right after running it).
 */
async function replyCutter(target: URL) {
  let armed: string[] | null = null;
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let cut = false;
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      if (armed?.some((m) => chunk.includes(m))) {
        armed = null;
        cut = true;
        cuts++;
        // long enough for Redis to run it and answer; the answer is dropped
        setTimeout(() => {
          client.destroy();
          upstream.destroy();
        }, 300);
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!cut) client.write(chunk);
    });
    for (const s of [client, upstream]) {
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    /** Cuts the next connection that sends a command containing one of `markers`. */
    arm: (markers: string[]) => void (armed = markers),
    cuts: () => cuts,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('a reclaim whose reply is lost and which ioredis sends again', () => {
  const children: ChildWorker[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) {
      c.kill('SIGKILL');
      await c.exited;
    }
  });

  it('still runs onFailure for the job it failed as abandoned (the second run answers what the first did)', async () => {
    const failures: { id: string; error: string }[] = [];
    const e = engine('reclaim-resend', { hang: () => new Promise(() => undefined) }, {}, { note: (job: JobSnapshot, err?: unknown) => void failures.push({ id: job.id, error: (err as Error).name }) });
    const h = await e.client.enqueue('hang', null, { attempts: 1, onFailure: 'note' });
    const child = new ChildWorker({ PREFIX: e.prefix, LEASE: '1s' });
    children.push(child);
    const [, wid] = await child.waitFor(/^ready (\S+)$/);
    await child.waitFor(/^started /);
    child.kill('SIGKILL');
    await child.exited;
    // the dead worker's lease has run out, so the first reclaim of the next worker takes its job
    const workers = `${e.base('default')}workers`;
    await until('the killed worker lease ran out', async () => {
      const [sec] = await e.redis.time();
      return Number(await e.redis.zscore(workers, wid!)) < Number(sec) * 1000;
    });

    const cutter = await replyCutter(new URL(redisUrl()));
    // ioredis sends a script's text (EVAL) on a connection's first call of it, then its SHA (EVALSHA)
    cutter.arm([createHash('sha1').update(scriptSource('reclaim')).digest('hex'), 'stopped renewing its lease (it crashed or hung)']);
    const client = new QueueClient({ connection: cutter.url, prefix: e.prefix, registry: e.registry, logger: { log: () => undefined, warn: () => undefined, error: () => undefined } });
    let worker: Worker | undefined;
    try {
      worker = new Worker(client, e.registry, { queues: ['default'], leaseTime: '1s' });
      worker.start();
      await until('onFailure ran', () => failures.length > 0, 15_000);
      expect(cutter.cuts()).toBe(1);
      expect(failures).toEqual([{ id: h.id, error: JobAbandonedError.name }]);
      expect(await h.getStatus()).toBe('failed');
      // and only once
      await sleep(500);
      expect(failures).toHaveLength(1);
    } finally {
      await worker?.close();
      await client.close();
      await cutter.close();
    }
  }, 40_000);
});
