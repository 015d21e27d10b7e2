import { execFileSync } from 'node:child_process';
import { InvalidOptionError, type EnqueueOptions, type JobContext } from '../src/index.js';
import { engine } from './engine.js';
import { clusterNodes, deferred, onCluster, redisUrl } from './helpers.js';
import { python, pythonRedis } from './python.js';

// The direct path: one RPUSH of a JSON entry onto `<prefix>:{<queue>}:inbox`, from any Redis client.

/** redis-cli on this pass's Redis (`-c`: following a cluster's redirections, as a user of a cluster runs it). */
function cli(...args: string[]): string {
  const to = onCluster() ? ['-c', '-h', clusterNodes()[0]!.host, '-p', String(clusterNodes()[0]!.port)] : ['-u', redisUrl()];
  return execFileSync('redis-cli', [...to, ...args], { encoding: 'utf8' }).trim();
}

/** The stored fields of a job that say what it is (not when it was made or its id). */
function comparable(h: Record<string, string>): Record<string, string> {
  const { c: _made, x: _expires, ...rest } = h;
  return rest;
}

describe('enqueue from anywhere: the inbox', () => {
  it('one redis-cli RPUSH wakes an idle worker; the data arrives as written; HGET reads status and result', async () => {
    const seen = deferred<{ data: unknown; ctx: JobContext }>();
    const e = engine('inbox-cli', {
      echo: (data: never, ctx: JobContext) => {
        seen.resolve({ data, ctx });
        return { got: data };
      },
    });
    const w = e.worker();
    // the worker found nothing and blocks (its first fetch round and the inbox's first look are done)
    await new Promise((r) => setTimeout(r, 300));
    const written = '{"b":1,"a":[],"x":0.12345678901234567890,"big":12345678901234567890,"s":"é\\n\\u0000","q":"say \\"hi\\" \\\\","e":"\\\\"}';
    cli('RPUSH', `${e.prefix}:{default}:inbox`, `{"name": "echo", "id": "cli-1", "data": ${written}}`);
    const { data, ctx } = await seen.promise;
    expect(ctx.id).toBe('cli-1');
    // key order, the empty array, every digit as sent (JSON.parse of the stored text gives what the sender meant)
    expect(JSON.stringify(data)).toBe(JSON.stringify(JSON.parse(written)));
    expect(Object.keys(data as object)).toEqual(['b', 'a', 'x', 'big', 's', 'q', 'e']);
    const h = await e.client.getJob('cli-1', 'default');
    await h!.result({ timeout: 10 });
    expect(cli('HGET', `${e.prefix}:{default}:job:cli-1`, 's')).toBe('finished');
    expect(JSON.parse(cli('HGET', `${e.prefix}:{default}:job:cli-1`, 'r'))).toEqual({ got: JSON.parse(written) });
    expect(await e.redis.llen(`${e.prefix}:{default}:inbox`)).toBe(0);
    await w.close();
  });

  it('from Python (redis-py, pipelined): every job runs once, in order, with its options; status and result read back', async () => {
    const order: number[] = [];
    const e = engine('inbox-py', { step: (data: { i: number }) => (order.push(data.i), data.i * 2) });
    const w = e.worker({ concurrency: 1 });
    const out = await python(`
import json, redis, redis.cluster, sys
sys.path.insert(0, 'examples/direct')
import jobline_inbox as j
r = ${pythonRedis()}
ids = j.enqueue_many(r, 'default', [('step', {'i': i}) for i in range(200)], prefix=${JSON.stringify(e.prefix)})
last = j.enqueue(r, 'default', 'step', {'i': 200}, options={'timeout': '30s', 'attempts': 5, 'description': 'from python', 'meta': {'by': 'py'}}, job_id='py-last', prefix=${JSON.stringify(e.prefix)})
print(json.dumps({'ids': ids, 'last': j.wait(r, 'default', last, timeout=30, prefix=${JSON.stringify(e.prefix)}), 'first': j.outcome(r, 'default', ids[0], prefix=${JSON.stringify(e.prefix)})}))
`);
    const { ids, last, first } = JSON.parse(out) as { ids: string[]; last: [string, unknown]; first: [string, unknown] };
    expect(ids).toHaveLength(200);
    expect(last).toEqual(['finished', 400]);
    expect(first).toEqual(['finished', 0]);
    expect(order).toEqual([...Array(201).keys()]);
    const info = await (await e.client.getJob('py-last'))!.info();
    expect(info).toMatchObject({ status: 'finished', timeoutMs: 30_000, maxAttempts: 5, description: 'from python', meta: { by: 'py' }, result: 400 });
    await w.close();
  }, 60_000);

  it('stores each option exactly as enqueue() stores it', async () => {
    const e = engine('inbox-same', {});
    const cases: EnqueueOptions[] = [
      {},
      { timeout: 30 },
      { timeout: '250ms', resultTtl: 0, failureTtl: -1 },
      { resultTtl: '2h', failureTtl: '1d', ttl: '5m', attempts: 7 },
      { ttl: -1, timeout: -1, attempts: 3, description: '', meta: {} },
      { description: 'déjà vu 😀', meta: { nested: { list: [1, 'two', null], deep: {} } }, atFront: false },
      { atFront: true, timeout: 1.5 },
      { timeout: ' 2.5 s ' as never },
      { resultTtl: 500, timeout: 180 },
    ];
    for (const [i, options] of cases.entries()) {
      const data = { case: i, long: 'x'.repeat(i * 40) };
      const viaClient = await e.client.enqueue('job', data, { ...options, jobId: `client-${i}` });
      await e.redis.rpush(`${e.prefix}:{default}:inbox`, JSON.stringify({ name: 'job', data, options, id: `inbox-${i}` }));
      expect(await e.client.ingestInbox('default')).toEqual({ jobs: 1, refused: 0, existed: 0, duplicates: 0 });
      const a = comparable(await e.redis.hgetall(`${e.prefix}:{default}:job:${viaClient.id}`));
      const b = comparable(await e.redis.hgetall(`${e.prefix}:{default}:job:inbox-${i}`));
      expect({ i, fields: b }).toEqual({ i, fields: a });
    }
    // the ttl deadline is tracked as for enqueue, and atFront put the job at the head
    expect(await e.redis.zscore(`${e.prefix}:{default}:ttl`, 'inbox-3')).not.toBeNull();
    expect((await e.redis.lrange(`${e.prefix}:{default}:queued`, 0, 1)).sort()).toEqual(['client-6', 'inbox-6']);
  });

  it('a malformed entry becomes a failed job whose error is the one enqueue() throws, and the entries after it run', async () => {
    const ran: string[] = [];
    const e = engine('inbox-bad', { job: (_d: never, ctx: JobContext) => void ran.push(ctx.id) });
    const optionCases: Record<string, unknown>[] = [
      { timeout: 'abc' },
      { timeout: 0 },
      { resultTtl: -2 },
      { failureTtl: 0 },
      { ttl: '11000d' },
      { attempts: 1.5 },
      { attempts: 0 },
      { atFront: 'yes' },
      { description: 5 },
      { meta: [1] },
      { tll: 5 },
      { jobId: 'bad id' },
    ];
    // per entry: the error enqueue() throws for the same job, or (for what only an entry can get wrong) a fragment
    const entries: string[] = [];
    const expected: ({ name: string; message: string } | string)[] = [];
    const thrownBy = async (name: string, data: unknown, options?: EnqueueOptions) => {
      const err = await e.client.enqueue(name, data, options).then(
        () => null,
        (err: unknown) => err,
      );
      expect(err).toBeInstanceOf(InvalidOptionError);
      return { name: 'InvalidOptionError', message: (err as Error).message };
    };
    for (const [i, options] of optionCases.entries()) {
      entries.push(JSON.stringify({ name: 'job', data: i, options, id: options.jobId ? undefined : `bad-${i}` }));
      expected.push(await thrownBy('job', i, options as EnqueueOptions));
    }
    entries.push(JSON.stringify({ name: '  ', data: 1, id: 'bad-name' }));
    expected.push(await thrownBy('  ', 1));
    const formatCases: Record<string, string> = {
      'not json': 'is not a JSON object',
      '[1, 2]': 'is not a JSON object',
      '"job"': 'is not a JSON object',
      '{"name": "job", "data": "a\tb", "id": "bad-ctl"}': 'raw control character',
      '{"name": "job", "colour": "red", "id": "bad-member"}': 'has a member "colour"',
      '{"name": "job", "options": {"dependsOn": "x"}, "id": "bad-deps"}': 'takes only the options',
      '{"name": "job", "options": {"queue": "other"}, "id": "bad-queue"}': 'the queue whose inbox the entry is in',
    };
    entries.push(...Object.keys(formatCases));
    expected.push(...Object.values(formatCases));
    entries.push(JSON.stringify({ name: 'job', id: 'good-after' }));
    await e.redis.rpush(`${e.prefix}:{default}:inbox`, ...entries);
    const w = e.worker();
    const good = (await waitForJob(e.client, 'good-after'))!;
    await good.result({ timeout: 20 });
    expect(ran).toEqual(['good-after']);
    const failedIds = await e.client.getJobIds('default', 'failed');
    // nothing lost: each entry but the good one is a failed job, which keeps the entry as its data
    expect(failedIds).toHaveLength(entries.length - 1);
    const seen = new Set<number>();
    for (const id of failedIds) {
      const info = await e.client.getInfo('default', id);
      const at = entries.indexOf(info.data as string);
      expect(at).toBeGreaterThanOrEqual(0);
      seen.add(at);
      const want = expected[at]!;
      if (typeof want === 'string') expect({ at, message: info.error!.message }).toEqual({ at, message: expect.stringContaining(want) });
      else expect({ at, error: { name: info.error!.name, message: info.error!.message } }).toEqual({ at, error: want });
      // the sender's id when it gave a usable one, so it finds its refused job where it looks
      const given = (/"id":\s*"([^"]+)"/.exec(entries[at]!) ?? [])[1];
      if (given && /^[\w.-]+$/.test(given)) expect(id).toBe(given);
    }
    expect(seen.size).toBe(entries.length - 1);
    expect(await e.redis.llen(`${e.prefix}:{default}:inbox`)).toBe(0);
    await w.close();
  }, 60_000);

  it('an entry whose id exists is a resubmit: it creates nothing and changes nothing', async () => {
    const e = engine('inbox-again', {});
    await e.client.enqueue('job', { v: 1 }, { jobId: 'same' });
    await e.redis.rpush(`${e.prefix}:{default}:inbox`, JSON.stringify({ name: 'other', data: { v: 2 }, id: 'same' }));
    expect(await e.client.ingestInbox('default')).toEqual({ jobs: 0, refused: 0, existed: 1, duplicates: 0 });
    expect((await e.client.getInfo('default', 'same')).data).toEqual({ v: 1 });
  });

  it('a worker with inbox: false leaves the inbox alone', async () => {
    const e = engine('inbox-off', { job: () => 1 });
    const w = e.worker({ inbox: false });
    await e.redis.rpush(`${e.prefix}:{default}:inbox`, JSON.stringify({ name: 'job', id: 'later' }));
    await new Promise((r) => setTimeout(r, 500));
    expect(await e.redis.llen(`${e.prefix}:{default}:inbox`)).toBe(1);
    expect(await e.client.ingestInbox('default')).toEqual({ jobs: 1, refused: 0, existed: 0, duplicates: 0 });
    expect(await (await e.client.getJob('later', 'default'))!.result({ timeout: 20 })).toBe(1);
    await w.close();
  });
});

/** The job once the inbox was ingested (the worker does it on its own). */
async function waitForJob(client: ReturnType<typeof engine>['client'], id: string) {
  for (let i = 0; i < 200; i++) {
    const h = await client.getJob(id, 'default');
    if (h) return h;
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}
