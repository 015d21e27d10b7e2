import { rawRedis } from './helpers.js';
import type { EnqueueItem, JobContext } from '../src/index.js';
import { engine } from './engine.js';

/** Job data is split over fields d..d4 so that small jobs keep Redis's compact hash encoding (lib.lua split_data). */
describe('job data layout', () => {
  const redis = rawRedis();
  afterAll(() => redis.disconnect());

  // sizes around each 64-byte cut, multi-byte characters that straddle the cuts, and data too large to split
  const payloads: unknown[] = [
    undefined,
    null,
    'x'.repeat(60),
    'x'.repeat(62), // encodes to 64 bytes with its quotes
    'x'.repeat(63),
    { user: 'user-00012345', action: 'send-welcome-email', locale: 'en-GB', tags: ['signup', 'email', 'bench'], seq: 1 },
    'é'.repeat(100),
    '€'.repeat(80),
    `a${'😀'.repeat(60)}`,
    'y'.repeat(250),
    'z'.repeat(2000),
    { nested: { deep: ['ü', 'ß', '漢字'.repeat(40)] } },
  ];

  it('a ~120-byte payload keeps the job hash in compact listpack encoding', async () => {
    const e = engine('layout-enc', { noop: () => null });
    const h = await e.client.enqueue('noop', payloads[5]);
    expect(await redis.object('ENCODING', `${e.base('default')}job:${h.id}`)).toBe('listpack');
  });

  it('every payload reads back unchanged through info(), the worker, and a pipe', async () => {
    const seen: unknown[] = [];
    const e = engine('layout-rt', { echo: (d: unknown) => (seen.push(d), d) });
    const hs = await e.client.enqueueMany(payloads.map((data) => ({ name: 'echo', data })));
    for (let i = 0; i < hs.length; i++) expect((await hs[i]!.info()).data).toEqual(payloads[i]);
    e.worker({ concurrency: 1 });
    for (let i = 0; i < hs.length; i++) expect(await hs[i]!.result({ timeout: '5s' })).toEqual(payloads[i]);
    expect(seen).toEqual(payloads);
    // a chained job's data is its parent's result, written by the script that finishes the parent
    const big = await e.client.enqueue('echo', payloads[8]);
    const piped = await big.chain('echo');
    expect(await piped.result({ timeout: '5s' })).toEqual(payloads[8]);
    expect((await piped.info()).data).toEqual(payloads[8]);
  });

  it('a job whose hash says it has more than the common fields (o) is fetched whole: meta set on one attempt reaches the next', async () => {
    const metas: unknown[] = [];
    let first = true;
    const e = engine('layout-o', {
      flaky: async (_d: unknown, ctx: JobContext) => {
        metas.push({ ...ctx.meta });
        if (first) {
          first = false;
          await ctx.updateMeta({ step: 'one' });
          throw new Error('first attempt fails');
        }
        return 'ok';
      },
    });
    const h = await e.client.enqueue('flaky', { p: 1 });
    const key = `${e.base('default')}job:${h.id}`;
    expect(await redis.hget(key, 'o')).toBeNull();
    e.worker();
    await expect(h.result({ timeout: '5s' })).rejects.toThrow(/first attempt fails/);
    expect(await redis.hget(key, 'o')).toBe('1');
    await h.requeue();
    expect(await h.result({ timeout: '5s' })).toBe('ok');
    expect(metas).toEqual([{}, { step: 'one' }]);
  });

  it('a fetched batch travels as one value: odd job names, options and data all reach their handlers intact', async () => {
    const names = ['plain', 'with\nnewline', 'with\ttab|bar', 'ünïcødé 漢字 😀'];
    const seen: string[] = [];
    const handlers = Object.fromEntries(names.map((n) => [n, (d: unknown, ctx: JobContext) => (seen.push(`${ctx.name}:${JSON.stringify(d)}:${JSON.stringify(ctx.meta)}`), d)]));
    const e = engine('layout-batch', handlers);
    const items: EnqueueItem[] = names.flatMap((name, i): EnqueueItem[] => [
      { name, data: { i, s: 'x\ny\tz' } },
      { name, data: payloads[i + 8], options: { timeout: '10s', meta: { k: 'v\tw' }, resultTtl: '1h' } },
    ]);
    const hs = await e.client.enqueueMany(items);
    e.worker({ concurrency: 20 });
    for (let i = 0; i < hs.length; i++) expect(await hs[i]!.result({ timeout: '5s' })).toEqual(items[i]!.data);
    expect(seen.sort()).toEqual(items.map((it) => `${it.name}:${JSON.stringify(it.data)}:${JSON.stringify(it.options?.meta ?? {})}`).sort());
    const ttl = await redis.pttl(`${e.base('default')}job:${hs[1]!.id}`);
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
  });

  it('the data fields expire and are deleted with their job (one hash)', async () => {
    const e = engine('layout-ttl', { noop: () => null });
    const h = await e.client.enqueue('noop', 'q'.repeat(200), { resultTtl: '300ms' });
    const key = `${e.base('default')}job:${h.id}`;
    expect(Object.keys(await redis.hgetall(key))).toEqual(expect.arrayContaining(['d', 'd2', 'd3', 'd4']));
    e.worker();
    await h.result({ timeout: '5s' });
    expect(await redis.pttl(key)).toBeGreaterThan(0);
    const d = await e.client.enqueue('noop', 'q'.repeat(200));
    expect(await d.delete()).toBe(true);
    expect(await redis.exists(`${e.base('default')}job:${d.id}`)).toBe(0);
  });
});
