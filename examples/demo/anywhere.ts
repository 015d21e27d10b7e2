// The "enqueue from anywhere" part: the demo's jobs added by a program that is not this app, once over the HTTP API
// (QueueHttpModule on an Express app of its own) and once with one Redis command (RPUSH of a JSON entry onto the
// queue's inbox, as redis-cli or Python would), plus a malformed entry, which becomes a failed job saying why, and
// two entries of one `unique` job, the second stored as nothing (its id names the live job), and an entry of a
// tenant's group.
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Cluster, Redis } from 'ioredis';
import type { AddressInfo } from 'node:net';
import { Job, QueueHttpModule, QueueModule, type JobContext, type QueueService } from '../../src/index.js';
import { DEMO_CLUSTER, DEMO_CONNECTION } from './connection.js';
import { printTable, show } from './table.js';

const API_KEY = 'demo-key-0123456789abcdef';

@Injectable()
export class AnywhereJobs {
  @Job('thumbnail', { queue: 'anywhere' })
  thumbnail(data: { image: string; width: number }, ctx: JobContext): string {
    return `${data.image} at ${data.width}px (job ${ctx.id})`;
  }
}

@Module({ providers: [AnywhereJobs] })
export class AnywhereJobsModule {}

/** A separate producer-only app with the HTTP API, on the demo's prefix (its jobs are run by the demo's consumer). */
async function httpFront(prefix: string): Promise<{ app: INestApplication; url: string }> {
  @Module({ imports: [QueueModule.forRoot({ connection: DEMO_CONNECTION, prefix, strictJobNames: false }), QueueHttpModule.forRoot({ apiKeys: [API_KEY], queues: ['anywhere'] })] })
  class HttpFrontModule {}
  const app = await NestFactory.create(HttpFrontModule, { logger: ['warn', 'error'] });
  await app.listen(0, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/queue` };
}

/** Runs the part once the consumer is running; returns what did not end as expected. */
export async function runAnywhere(queue: QueueService, prefix: string): Promise<string[]> {
  const problems: string[] = [];
  const rows: string[][] = [];
  const { app, url } = await httpFront(prefix);
  // any Redis client: here a plain ioredis one (a Cluster client on the demo's cluster run)
  const raw = DEMO_CLUSTER ? new Cluster(DEMO_CLUSTER) : new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
    const added = await fetch(`${url}/add`, { method: 'POST', headers, body: JSON.stringify({ queue: 'anywhere', name: 'thumbnail', data: { image: 'cat.png', width: 64 } }) });
    const addBody = (await added.json()) as { id: string; status: string };
    const waited = await fetch(`${url}/jobs/${addBody.id}/result?wait=10s`, { headers });
    const result = (await waited.json()) as { status: string; result?: unknown };
    rows.push(['POST /queue/add', `${added.status} ${addBody.status}`, `GET result?wait=10s: ${waited.status}`, show(result.result)]);
    if (added.status !== 201 || waited.status !== 200 || result.status !== 'finished') problems.push(`HTTP add: ${added.status}, result ${waited.status} ${show(result)}`);

    const refused = await fetch(`${url}/add`, { method: 'POST', headers, body: JSON.stringify({ queue: 'anywhere', name: 'thumbnail', data: {}, options: { attempts: 0 } }) });
    const refusal = (await refused.json()) as { errors: string[] };
    rows.push(['POST /queue/add, attempts: 0', String(refused.status), '', refusal.errors[0] ?? '']);
    if (refused.status !== 400) problems.push(`HTTP add with a bad option answered ${refused.status}`);

    // what any Redis client in any language sends: one RPUSH of a JSON entry; then it reads the job's hash
    const inbox = `${prefix}:{anywhere}:inbox`;
    await raw.rpush(inbox, JSON.stringify({ name: 'thumbnail', data: { image: 'dog.png', width: 128 }, id: 'direct-1' }));
    await raw.rpush(inbox, '{"name": "thumbnail", "data": {}, "id": "direct-bad", "options": {"timeout": "soon"}}');
    for (const id of ['direct-1', 'direct-bad']) {
      const handle = await waitForJob(queue, id);
      const outcome = handle ? await handle.result({ timeout: '10s' }).then(show, (err: Error) => err.message) : 'never ingested';
      const [status] = await raw.hmget(`${prefix}:{anywhere}:job:${id}`, 's');
      rows.push([`RPUSH inbox, id ${id}`, '', `HGET status: ${status}`, outcome]);
      const expected = id === 'direct-1' ? 'finished' : 'failed';
      if (status !== expected) problems.push(`direct entry ${id}: status ${status}, expected ${expected}`);
    }
    // `unique` from any client: the second entry of one RPUSH finds the first live, so it stores nothing
    const unique = (id: string) => JSON.stringify({ name: 'thumbnail', data: { image: 'owl.png', width: 32 }, id, options: { unique: true } });
    await raw.rpush(inbox, unique('direct-u1'), unique('direct-u2'));
    const first = await waitForJob(queue, 'direct-u1');
    const firstOutcome = first ? await first.result({ timeout: '10s' }).then(show, (err: Error) => err.message) : 'never ingested';
    // the second's id points to the live job (getJob answers with it, marked duplicate)
    const second = await queue.getJob('direct-u2');
    const secondSays = !second ? 'not found' : second.duplicate ? `a duplicate of ${second.id}` : 'stored';
    rows.push(['RPUSH 2 entries, unique: true', '', `2nd: ${secondSays}`, firstOutcome]);
    if (!first || !second?.duplicate || second.id !== 'direct-u1') problems.push(`unique entries: first ${first ? 'stored' : 'missing'}, second ${secondSays}`);
    // a tenant's group from any client: limited and taking turns as an enqueue()'d grouped job
    await raw.rpush(inbox, JSON.stringify({ name: 'thumbnail', data: { image: 'cat.png', width: 16 }, id: 'direct-g1', options: { group: { id: 'tenant-a', concurrency: 1 } } }));
    const grouped = await waitForJob(queue, 'direct-g1');
    const groupedOutcome = grouped ? await grouped.result({ timeout: '10s' }).then(show, (err: Error) => err.message) : 'never ingested';
    const group = grouped ? (await grouped.info()).group : null;
    rows.push(['RPUSH, group tenant-a (concurrency 1)', '', `group: ${group ?? '-'}`, groupedOutcome]);
    if (group !== 'tenant-a' || (await grouped?.getStatus()) !== 'finished') problems.push(`grouped entry: group ${group}, status ${await grouped?.getStatus()}`);
  } finally {
    await raw.quit();
    await app.close();
  }
  printTable(['from outside the app', 'answer', 'then', 'result / error'], rows, 90);
  return problems;
}

/** The job once a worker ingested the entry (it does so as soon as the entry lands). */
async function waitForJob(queue: QueueService, id: string) {
  for (let i = 0; i < 200; i++) {
    const handle = await queue.getJob(id);
    if (handle) return handle;
    await new Promise((r) => setTimeout(r, 25));
  }
  return null;
}
