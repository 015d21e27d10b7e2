import { InvalidOptionError, type EnqueueOptions, type JobContext } from '../src/index.js';
import { uniqueKey } from '../src/core/limits/unique.js';
import { engine } from './engine.js';
import { deferred, keysOf, poll, until } from './helpers.js';
import { QueueHttpApi } from '../src/http/queue-http-api.js';
import { httpSettings } from '../src/http/http-options.js';
import { INBOX_DUPLICATE_TTL_MS } from '../src/core/redis/inbox-format.js';
import { python, pythonRedis } from './python.js';

// The inbox (direct Redis) takes `unique`, the lane (`priority`, `queue: '<queue>.<lane>'`), `delay`, `runAt` and
// `group` as enqueue() does: ingest.lua makes the same unique key in Lua (canonical JSON and SHA-256), claims it
// atomically, pushes onto the lane's or the group's list, and schedules a job whose time is ahead.

const LANES = { inf: { lanes: ['premium', 'standard', 'default'] } };

/** A deterministic generator of JSON values that probe the canonical form: numbers of every shape, escapes, Unicode. */
function values(seed: number, count: number): unknown[] {
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
  const chars = ['a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\t', '\u0001', '\u001f', '\u007f', 'é', '€', '\u2028', '\ue000', '\uffff', '😀', '𝄞', 'ß'];
  const str = () => Array.from({ length: Math.floor(rnd() * 6) }, () => pick(chars)).join('');
  const num = (): number => {
    switch (Math.floor(rnd() * 6)) {
      case 0:
        return Math.floor(rnd() * 2000) - 1000;
      case 1:
        return (Math.floor(rnd() * 1e6) - 5e5) / 10 ** Math.floor(rnd() * 9);
      case 2:
        return rnd() * 10 ** (Math.floor(rnd() * 60) - 30);
      case 3: {
        // any finite double, from random bits
        const view = new DataView(new ArrayBuffer(8));
        view.setUint32(0, Math.floor(rnd() * 2 ** 32));
        view.setUint32(4, Math.floor(rnd() * 2 ** 32));
        const x = view.getFloat64(0);
        return Number.isFinite(x) ? x : 1.5;
      }
      case 4:
        return pick([0, -0, 1e21, 1e-7, 1e-6, 123e-20, 2 ** 53, 2 ** 60, 2 ** 64, 5e-324, 1.7976931348623157e308, 0.1, 1 / 3]);
      default:
        return -rnd() * 2 ** Math.floor(rnd() * 80);
    }
  };
  const value = (depth: number): unknown => {
    const kind = depth > 2 ? Math.floor(rnd() * 4) : Math.floor(rnd() * 6);
    if (kind === 0) return num();
    if (kind === 1) return str();
    if (kind === 2) return pick([true, false, null]);
    if (kind === 3) return num();
    if (kind === 4) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let k = Math.floor(rnd() * 5); k > 0; k--) o[str()] = value(depth + 1);
    return o;
  };
  return Array.from({ length: count }, (_, i) => [i, value(0)]);
}

describe('inbox entries with unique, lanes, delay, runAt and group', () => {
  it('an entry makes the unique key enqueue() makes, for data of every shape, written any way', async () => {
    const e = engine('inbox-ukey', {});
    // texts as senders write them: JSON.stringify's, indented, escaped, with repeated members and numbers as typed
    const texts = values(7, 300).map((v, i) => (i % 3 === 0 ? JSON.stringify(v, null, i % 2 ? 1 : '\t') : JSON.stringify(v)));
    texts.push(
      '{"b": 1, "a": [1.0, 1e2, 1E-7, -0, 0.000001, 100000000000000000000000, 12345678901234567890], "\\u00e9\\/": "\\ud83d\\ude00"}',
      '{"a": 1, "a": 2, "\\u0000": "\\u001F\\b\\f"}',
      '{"\ue000": 1, "😀": 2, "\uffff": 3, "z": 4, "": 5}',
      '"top"',
      '-1.5e-300',
      'null',
      '[]',
      '{}',
    );
    const names = ['n', 'a "quoted" name', 'déjà 😀'];
    await e.redis.rpush(
      `${e.prefix}:{default}:inbox`,
      ...texts.map((t, i) => `{"name": ${JSON.stringify(names[i % 3])}, "data": ${t}, "options": {"unique": true}, "id": "u-${i}"}`),
      '{"name": "n", "options": {"unique": true}, "id": "u-none"}',
    );
    expect(await e.client.ingestInbox('default')).toEqual({ jobs: texts.length + 1, refused: 0, existed: 0, duplicates: 0 });
    const pipe = e.redis.pipeline();
    for (let i = 0; i < texts.length; i++) pipe.hget(`${e.prefix}:{default}:job:u-${i}`, 'uq');
    const stored = (await pipe.exec())!.map(([, v]) => v);
    const named = texts.map((t, i) => uniqueKey({ key: null, ttlMs: null }, names[i % 3]!, t));
    const wrong = texts.map((t, i) => ({ t, stored: stored[i], want: named[i] })).filter((x) => x.stored !== x.want);
    expect(wrong).toEqual([]);
    // no data: the key of a job enqueued without data
    expect(await e.redis.hget(`${e.prefix}:{default}:job:u-none`, 'uq')).toBe(uniqueKey({ key: null, ttlMs: null }, 'n', ''));
  });

  it('a duplicate of a live job (from enqueue() or an entry, in one batch or later) stores nothing; once the job ends its key is free', async () => {
    const gate = deferred<void>();
    const ran: unknown[] = [];
    const e = engine('inbox-dup', {
      job: async (d: unknown) => {
        ran.push(d);
        await gate.promise;
      },
    });
    const inbox = `${e.prefix}:{default}:inbox`;
    const live = await e.client.enqueue('job', { b: 2, a: 1 }, { unique: true });
    await e.redis.rpush(
      inbox,
      JSON.stringify({ name: 'job', data: { a: 1, b: 2 }, options: { unique: true }, id: 'dup-of-client' }),
      JSON.stringify({ name: 'job', data: { n: 1 }, options: { unique: true }, id: 'first' }),
      JSON.stringify({ name: 'job', data: { n: 1 }, options: { unique: true }, id: 'again-in-batch' }),
      JSON.stringify({ name: 'job', data: { n: 2 }, options: { unique: { key: 'mine', ttl: '1h' } }, id: 'keyed' }),
      JSON.stringify({ name: 'other', data: { n: 3 }, options: { unique: { key: 'mine' } }, id: 'keyed-again' }),
      JSON.stringify({ name: 'job', data: { n: 1 }, id: 'not-unique' }),
      JSON.stringify({ name: 'job', data: { n: 1 }, options: { unique: true } }),
    );
    expect(await e.client.ingestInbox('default')).toEqual({ jobs: 3, refused: 0, existed: 0, duplicates: 4 });
    // a duplicate's own id answers with the live job, marked: getJob, with or without its queue, and HTTP GET jobs/:id
    const holders: Record<string, string> = { 'dup-of-client': live.id, 'again-in-batch': 'first', 'keyed-again': 'keyed' };
    for (const [id, holder] of Object.entries(holders)) {
      for (const queue of [undefined, 'default']) {
        const h = await e.client.getJob(id, queue);
        expect({ id, queue, holder: h?.id, duplicate: h?.duplicate }).toEqual({ id, queue, holder, duplicate: true });
      }
    }
    expect(await e.client.getJob('again-in-batch', 'elsewhere')).toBeNull();
    expect((await e.client.getJob('first'))?.duplicate).toBe(false);
    const api = new QueueHttpApi(e.client, httpSettings({ apiKeys: ['inbox-options-key'] }, 'test'), { log() {}, warn() {}, error() {} });
    const get = (route: string) => api.handle({ method: 'GET', route, headers: { 'x-api-key': 'inbox-options-key' }, query: {}, body: undefined });
    expect(await get('jobs/again-in-batch')).toMatchObject({ status: 200, body: { id: 'first', status: 'queued', duplicate: true } });
    expect(await get('jobs/first')).toEqual({ status: 200, body: expect.not.objectContaining({ duplicate: expect.anything() }) });
    expect(await get('jobs/again-in-batch/result')).toMatchObject({ status: 202, body: { id: 'first', status: 'queued' } });
    // bounded: a pointer per duplicate that gave an id (one made in Redis is known to no one), living as long as the
    // key's ttl, and an hour at most (a key without one)
    expect((await keysOf(e.redis, `${e.prefix}:{default}:dup:*`)).sort()).toEqual(Object.keys(holders).map((id) => `${e.prefix}:{default}:dup:${id}`).sort());
    const keyTtl = await e.redis.pttl(`${e.prefix}:{default}:unique:k:mine`);
    const keyedTtl = await e.redis.pttl(`${e.prefix}:{default}:dup:keyed-again`);
    expect(keyedTtl).toBeGreaterThan(0);
    expect(keyedTtl).toBeLessThanOrEqual(keyTtl + 1000);
    for (const id of ['dup-of-client', 'again-in-batch']) {
      expect(await e.redis.pttl(`${e.prefix}:{default}:unique:${(await e.redis.hget(`${e.prefix}:{default}:job:${holders[id]}`, 'uq'))!}`)).toBe(-1);
      expect(await e.redis.pttl(`${e.prefix}:{default}:dup:${id}`)).toBeGreaterThan(3_500_000);
      expect(await e.redis.pttl(`${e.prefix}:{default}:dup:${id}`)).toBeLessThanOrEqual(INBOX_DUPLICATE_TTL_MS);
    }
    const shortKey = JSON.stringify({ name: 'job', data: 1, options: { unique: { key: 'short', ttl: '1m' } } });
    // in a queue no worker here consumes, so the jobs started below stay these
    await e.redis.rpush(`${e.prefix}:{other}:inbox`, shortKey, shortKey.replace('{"name"', '{"id": "short-again", "name"'));
    expect(await e.client.ingestInbox('other')).toMatchObject({ jobs: 1, duplicates: 1 });
    expect(await e.redis.pttl(`${e.prefix}:{other}:dup:short-again`)).toBeGreaterThan(0);
    expect(await e.redis.pttl(`${e.prefix}:{other}:dup:short-again`)).toBeLessThanOrEqual(60_000);
    // the other way round: enqueue() of an entry's job is its duplicate, answered with the entry's job
    const dup = await e.client.enqueue('job', { n: 1 }, { unique: true });
    expect([dup.duplicate, dup.id]).toEqual([true, 'first']);
    expect((await e.client.enqueue('x', null, { unique: { key: 'mine' } })).id).toBe('keyed');
    // the key's ttl as given, the key naming its job
    const ttl = await e.redis.pttl(`${e.prefix}:{default}:unique:k:mine`);
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(await e.redis.get(`${e.prefix}:{default}:unique:k:mine`)).toBe('keyed');
    // the job ends (the worker read `uq` and let the key go): the same entry is stored again
    const w = e.worker();
    await until('4 started', () => ran.length === 4);
    gate.resolve();
    await (await e.client.getJob('keyed'))!.result({ timeout: 20 });
    await until('the key let go', async () => (await e.redis.exists(`${e.prefix}:{default}:unique:k:mine`)) === 0);
    await e.redis.rpush(inbox, JSON.stringify({ name: 'job', data: { n: 2 }, options: { unique: { key: 'mine' } }, id: 'keyed-later' }));
    const later = await poll(() => e.client.getJob('keyed-later'), (h) => h !== null, 20_000);
    expect(await later!.result({ timeout: 20 })).toBeUndefined();
    expect(live.id).not.toBe('dup-of-client');
    await w.close();
  }, 60_000);

  it('priority and <queue>.<lane> put the job on its lane as enqueue() does; a lane the queue lacks is refused with enqueue()s message', async () => {
    const order: string[] = [];
    const e = engine('inbox-lanes', { tick: (d: { k: string }) => void order.push(d.k) }, { queues: LANES });
    // an enqueue declares the queue's lanes (any process may have)
    const first = await e.client.enqueue('tick', { k: 'client-standard' }, { queue: 'inf', priority: 'standard', jobId: 'client-standard' });
    const inbox = `${e.prefix}:{inf}:inbox`;
    const entry = (id: string, options: Record<string, unknown>) => JSON.stringify({ name: 'tick', data: { k: id }, options, id });
    await e.redis.rpush(
      inbox,
      entry('plain', {}),
      entry('premium', { priority: 'premium' }),
      entry('standard', { queue: 'inf.standard' }),
      entry('fallback', { priority: 'default' }),
      entry('premium-front', { queue: 'inf.premium', priority: 'premium', atFront: true }),
    );
    expect(await e.client.ingestInbox('inf')).toEqual({ jobs: 5, refused: 0, existed: 0, duplicates: 0 });
    // stored as enqueue() stores them
    const same = await e.client.enqueue('tick', { k: 'standard' }, { queue: 'inf.standard', jobId: 'client-same' });
    const fields = async (id: string) => {
      const { c: _c, ...rest } = await e.redis.hgetall(`${e.prefix}:{inf}:job:${id}`);
      return rest;
    };
    expect(await fields('standard')).toEqual(await fields(same.id));
    expect(await e.redis.lrange(`${e.prefix}:{inf}:lane:premium`, 0, -1)).toEqual(['premium-front', 'premium']);
    expect(await e.redis.lrange(`${e.prefix}:{inf}:lane:standard`, 0, -1)).toEqual([first.id, 'standard', 'client-same']);
    expect(await e.redis.lrange(`${e.prefix}:{inf}:queued`, 0, -1)).toEqual(['plain', 'fallback']);
    expect(await e.client.countJobs('inf.premium')).toMatchObject({ queued: 2 });
    // refused as enqueue() refuses them
    const bad: EnqueueOptions[] = [{ priority: 'gold' }, { queue: 'inf.gold' }, { priority: 'bad lane!' }, { priority: 'x'.repeat(65) }, { queue: 'inf.premium', priority: 'standard' }];
    await e.redis.rpush(inbox, ...bad.map((o, i) => entry(`bad-${i}`, o as Record<string, unknown>)));
    await e.redis.rpush(`${e.prefix}:{plain}:inbox`, entry('no-lanes', { priority: 'premium' }));
    expect(await e.client.ingestInbox('inf')).toMatchObject({ jobs: 0, refused: bad.length });
    expect(await e.client.ingestInbox('plain')).toMatchObject({ jobs: 0, refused: 1 });
    for (const [i, options] of [...bad.map((o, i) => [`bad-${i}`, { ...o, queue: o.queue ?? 'inf' }] as const), ['no-lanes', { queue: 'plain', priority: 'premium' }] as const]) {
      const thrown = await e.client.enqueue('tick', null, options).then(
        () => null,
        (err: unknown) => err,
      );
      expect(thrown).toBeInstanceOf(InvalidOptionError);
      const info = await e.client.getInfo(i === 'no-lanes' ? 'plain' : 'inf', i);
      expect({ i, status: info.status, message: info.error?.message }).toEqual({ i, status: 'failed', message: (thrown as Error).message });
    }
    // the worker runs the lanes highest first
    const w = e.worker({ queues: ['inf'], concurrency: 1 });
    await until('all ran', () => order.length === 7);
    expect(order.slice(0, 2)).toEqual(['premium-front', 'premium']);
    await w.close();
  }, 60_000);

  it('a bad unique is refused with enqueue()s message; an option an entry cannot carry names itself and the way to send it', async () => {
    const e = engine('inbox-uerr', {});
    // the ttl's rules (max, no 0, no -1) come from UNIQUE_TTL_RULES as enqueue() applies them
    const cases: Record<string, unknown>[] = [
      { unique: 'yes' },
      { unique: { key: '' } },
      { unique: { ttl: 0 } },
      { unique: { ttl: -1 } },
      { unique: { ttl: '3651d' } },
      { unique: { kee: 'x' } },
      { unique: [1] },
    ];
    const entries = cases.map((options, i) => JSON.stringify({ name: 'job', data: 1, options, id: `bad-${i}` }));
    const cannot = ['dependsOn', 'onSuccess', 'retry', 'keep'];
    entries.push(...cannot.map((k) => JSON.stringify({ name: 'job', options: { [k]: 'x' }, id: `cannot-${k}` })));
    entries.push('{"name": "job", "data": [1e400], "options": {"unique": true}, "id": "infinite"}');
    await e.redis.rpush(`${e.prefix}:{default}:inbox`, ...entries);
    expect(await e.client.ingestInbox('default')).toMatchObject({ jobs: 0, refused: entries.length });
    for (const [i, options] of cases.entries()) {
      const thrown = await e.client.enqueue('job', 1, options as EnqueueOptions).then(
        () => null,
        (err: unknown) => err,
      );
      expect(thrown).toBeInstanceOf(InvalidOptionError);
      expect({ i, message: (await e.client.getInfo('default', `bad-${i}`)).error?.message }).toEqual({ i, message: (thrown as Error).message });
    }
    for (const k of cannot) {
      const info = await e.client.getInfo('default', `cannot-${k}`);
      expect([info.status, info.error?.message]).toEqual(['failed', expect.stringMatching(new RegExp(`^Invalid option \`${k}\`.*takes only the options .*unique.*through the HTTP API or enqueue\\(\\)`))]);
    }
    expect((await e.client.getInfo('default', 'infinite')).error?.message).toMatch(/the number 1e400, which JSON.parse reads as Infinity/);
  });

  it('delay and runAt make a scheduled job as enqueue() does (ttl from its run time); bad ones are refused with its messages', async () => {
    const ran: string[] = [];
    const e = engine('inbox-delay', { job: (_d: unknown, ctx: JobContext) => void ran.push(ctx.id) });
    const inbox = `${e.prefix}:{default}:inbox`;
    const entry = (id: string, options: Record<string, unknown>) => JSON.stringify({ name: 'job', data: { id }, options, id });
    const soon = Date.now() + 3_600_000;
    const before = Date.now();
    await e.redis.rpush(
      inbox,
      entry('in-an-hour', { delay: '1h', ttl: '5m' }),
      entry('at-instant', { runAt: soon }),
      entry('past', { runAt: 1000 }),
      entry('no-delay', { delay: 0 }),
      entry('shortly', { delay: '300ms' }),
    );
    expect(await e.client.ingestInbox('default')).toEqual({ jobs: 5, refused: 0, existed: 0, duplicates: 0 });
    const via = await e.client.enqueue('job', { id: 'in-an-hour' }, { delay: '1h', ttl: '5m', jobId: 'client-hour' });
    const fields = async (id: string) => {
      const { c: _c, sf, x, ...rest } = await e.redis.hgetall(`${e.prefix}:{default}:job:${id}`);
      return { rest, wait: Number(x) - Number(sf), sf: Number(sf) };
    };
    const [a, b] = [await fields('in-an-hour'), await fields(via.id)];
    expect([a.rest, a.wait]).toEqual([b.rest, b.wait]);
    expect(a.sf).toBeGreaterThanOrEqual(before + 3_600_000 - 5_000);
    expect((await e.client.getInfo('default', 'at-instant')).scheduledFor?.getTime()).toBe(soon);
    expect(await e.client.getJobIds('default', 'scheduled')).toEqual(expect.arrayContaining(['in-an-hour', 'at-instant', 'shortly']));
    expect((await e.client.getJobIds('default', 'queued')).sort()).toEqual(['no-delay', 'past']);
    // the worker runs the due one when it is due
    const w = e.worker();
    await (await e.client.getJob('shortly'))!.result({ timeout: 20 });
    expect(ran).toEqual(expect.arrayContaining(['past', 'no-delay', 'shortly']));
    expect(ran).not.toContain('in-an-hour');
    await w.close();
    const bad: Record<string, unknown>[] = [{ delay: 'abc' }, { delay: -1 }, { delay: '1s', runAt: soon }, { runAt: 'tomorrow' }, { runAt: -5 }];
    await e.redis.rpush(inbox, ...bad.map((o, i) => entry(`bad-${i}`, o)));
    expect(await e.client.ingestInbox('default')).toMatchObject({ jobs: 0, refused: bad.length });
    for (const [i, options] of bad.entries()) {
      const thrown = await e.client.enqueue('job', null, options as EnqueueOptions).then(
        () => null,
        (err: unknown) => err,
      );
      expect(thrown).toBeInstanceOf(InvalidOptionError);
      expect({ i, message: (await e.client.getInfo('default', `bad-${i}`)).error?.message }).toEqual({ i, message: (thrown as Error).message });
    }
  }, 60_000);

  it('a group is stored as enqueue() stores it, limited and fair as its jobs are; a bad one (or one with a lane) is refused with enqueue()s message', async () => {
    const gate = deferred<void>();
    const starts: string[] = [];
    let running = 0;
    let most = 0;
    const e = engine(
      'inbox-group',
      {
        a: async (d: { k: string }) => {
          starts.push(d.k);
          most = Math.max(most, ++running);
          await gate.promise;
          running--;
        },
        b: (d: { k: string }) => void starts.push(d.k),
      },
      { queues: LANES },
    );
    const inbox = `${e.prefix}:{default}:inbox`;
    const entry = (name: string, k: string, options: Record<string, unknown>) => JSON.stringify({ name, data: { k }, options, id: k });
    const A = { id: 'acme', concurrency: 2, rateLimit: { max: 1000, per: '1m' as const } };
    // A's backlog first, then B's and an ungrouped job, and one of B's scheduled a moment ahead
    await e.redis.rpush(
      inbox,
      ...['a1', 'a2', 'a3', 'a4', 'a5', 'a6'].map((k) => entry('a', k, { group: A })),
      entry('b', 'b1', { group: { id: 'globex' } }),
      entry('b', 'b2', { group: { id: 'globex' }, atFront: true }),
      entry('b', 'plain', {}),
      entry('b', 'b-later', { group: { id: 'globex' }, delay: '200ms' }),
    );
    expect(await e.client.ingestInbox('default')).toEqual({ jobs: 10, refused: 0, existed: 0, duplicates: 0 });
    // the same fields, the same group list and limits as enqueue() gives
    const fields = async (id: string) => {
      const { c: _c, ...rest } = await e.redis.hgetall(`${e.prefix}:{default}:job:${id}`);
      return rest;
    };
    const via = await e.client.enqueue('a', { k: 'a1' }, { group: A, jobId: 'client-a1' });
    expect(await fields('a1')).toEqual(await fields(via.id));
    expect(await e.redis.lrange(`${e.prefix}:{default}:g:globex`, 0, -1)).toEqual(['b2', 'b1']);
    expect(await e.redis.lrange(`${e.prefix}:{default}:g:acme`, 0, -1)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6', via.id]);
    expect((await e.client.getGroups('default')).map(({ group, queued, concurrency, rateLimit }) => ({ group, queued, concurrency, rateLimit }))).toEqual([
      { group: 'acme', queued: 7, concurrency: 2, rateLimit: { max: 1000, perMs: 60_000 } },
      { group: 'globex', queued: 2, concurrency: null, rateLimit: null },
    ]);
    expect(await e.redis.lrange(`${e.prefix}:{default}:queued`, 0, -1)).toEqual(['plain']);
    // run: acme holds at 2 while the others (the scheduled one too, through its group) all run past it
    const w = e.worker({ concurrency: 4 });
    await until('the others ran', () => ['b1', 'b2', 'plain', 'b-later'].every((k) => starts.includes(k)));
    await until('acme at its limit', async () => (await e.client.getGroups('default')).find((g) => g.group === 'acme')?.running === 2);
    expect(starts.filter((k) => k.startsWith('a')).length).toBe(2);
    expect((await e.client.getInfo('default', 'b-later')).group).toBe('globex');
    gate.resolve();
    await (await e.client.getJob(via.id))!.result({ timeout: 20 });
    // the enqueued one's data names a1 too
    await until('all of acme ran', () => starts.filter((k) => k.startsWith('a')).length === 7);
    expect(most).toBe(2);
    await w.close();
    // refused as enqueue() refuses them, with its messages
    const bad: Record<string, unknown>[] = [
      { group: 'acme' },
      { group: null },
      { group: { id: '' } },
      { group: { id: 'x'.repeat(129) } },
      { group: { id: 'tab\there' } },
      { group: { name: 'acme' } },
      { group: { id: 'a', kind: 1 } },
      { group: { id: 'a', concurrency: 0 } },
      { group: { id: 'a', concurrency: 1.5 } },
      { group: { id: 'a', concurrency: '2' } },
      { group: { id: 'a', rateLimit: 5 } },
      { group: { id: 'a', rateLimit: { max: 0, per: '1s' } } },
      { group: { id: 'a', rateLimit: { max: 1 } } },
      { group: { id: 'a', rateLimit: { max: 1, per: '2d' } } },
      { group: { id: 'a', rateLimit: { max: 1, per: 'soon' } } },
      { group: { id: 'a', rateLimit: { max: 1, per: '1s', burst: 2 } } },
      { group: { id: 'a' }, queue: 'inf.premium' },
      { group: { id: 'a' }, priority: 'standard' },
    ];
    // an enqueue declares queue inf's lanes (any process may have)
    await e.client.enqueue('b', { k: 'inf' }, { queue: 'inf' });
    await e.redis.rpush(inbox, ...bad.filter((o) => !('queue' in o || 'priority' in o)).map((o, i) => entry('a', `bad-${i}`, o)));
    await e.redis.rpush(`${e.prefix}:{inf}:inbox`, ...bad.filter((o) => 'queue' in o || 'priority' in o).map((o, i) => entry('a', `lane-${i}`, o)));
    expect(await e.client.ingestInbox('default')).toMatchObject({ jobs: 0, refused: bad.length - 2 });
    expect(await e.client.ingestInbox('inf')).toMatchObject({ jobs: 0, refused: 2 });
    let plain = 0;
    let laned = 0;
    for (const options of bad) {
      const inLane = 'queue' in options || 'priority' in options;
      const [queue, id] = inLane ? ['inf', `lane-${laned++}`] : ['default', `bad-${plain++}`];
      const thrown = await e.client.enqueue('a', null, { queue, ...options } as EnqueueOptions).then(
        () => null,
        (err: unknown) => err,
      );
      expect(thrown).toBeInstanceOf(InvalidOptionError);
      const info = await e.client.getInfo(queue, id);
      expect({ options, status: info.status, message: info.error?.message }).toEqual({ options, status: 'failed', message: (thrown as Error).message });
    }
  }, 60_000);

  it('from Python: grouped entries run within their group limit', async () => {
    let running = 0;
    let most = 0;
    const e = engine('inbox-py-group', {
      job: async (d: { n: number }) => {
        most = Math.max(most, ++running);
        // a turn of the event loop, so another slot could start a job meanwhile if the limit let it
        await new Promise((r) => setImmediate(r));
        running--;
        return d.n * 2;
      },
    });
    const w = e.worker({ concurrency: 4 });
    const p = JSON.stringify(e.prefix);
    const out = await python(`
import json, sys
sys.path.insert(0, 'examples/direct')
import redis, jobline_inbox as j
r = ${pythonRedis()}
ids = [j.enqueue(r, 'default', 'job', {'n': n}, options={'group': {'id': 'py', 'concurrency': 1}}, prefix=${p}) for n in range(4)]
print(json.dumps([j.wait(r, 'default', i, timeout=30, prefix=${p}) for i in ids]))
`);
    expect(JSON.parse(out)).toEqual([0, 2, 4, 6].map((v) => ['finished', v]));
    expect(most).toBe(1);
    expect(await e.client.getGroups('default')).toEqual([{ group: 'py', queued: 0, running: 0, concurrency: 1, rateLimit: null }]);
    await w.close();
  }, 90_000);

  it('from Python: a unique job runs and is waited for; a second entry of a live one stores nothing', async () => {
    const gate = deferred<void>();
    const e = engine('inbox-py-unique', { job: async (d: { n: number }) => (d.n === 1 && (await gate.promise), d.n * 2) });
    const w = e.worker();
    const p = JSON.stringify(e.prefix);
    // c is ingested after a and b (one inbox, in order), so once c has run, b was seen while a was live
    const out = await python(`
import json, sys
sys.path.insert(0, 'examples/direct')
import redis, jobline_inbox as j
r = ${pythonRedis()}
a = j.enqueue(r, 'default', 'job', {'n': 1}, options={'unique': True}, job_id='py-a', prefix=${p})
b = j.enqueue(r, 'default', 'job', {'n': 1}, options={'unique': True}, job_id='py-b', prefix=${p})
c = j.enqueue(r, 'default', 'job', {'n': 21}, options={'unique': {'key': 'py-c', 'ttl': '1h'}}, job_id='py-c', prefix=${p})
print(json.dumps({'c': j.wait(r, 'default', c, timeout=30, prefix=${p}), 'a': j.status(r, 'default', a, prefix=${p}), 'b': j.status(r, 'default', b, prefix=${p}), 'b_live': j.live_id(r, 'default', b, prefix=${p})}))
`);
    // b stored nothing; its id points to a
    expect(JSON.parse(out)).toEqual({ c: ['finished', 42], a: expect.stringMatching(/^(queued|started)$/), b: null, b_live: 'py-a' });
    gate.resolve();
    expect(await (await e.client.getJob('py-a'))!.result({ timeout: 20 })).toBe(2);
    // waiting on b's id waits for a
    const waited = await python(`
import json, sys
sys.path.insert(0, 'examples/direct')
import redis, jobline_inbox as j
print(json.dumps(j.wait(${pythonRedis()}, 'default', 'py-b', timeout=30, prefix=${p})))
`);
    expect(JSON.parse(waited)).toEqual(['finished', 2]);
    await w.close();
  }, 90_000);
});
