import { HandlerRegistry, InvalidOptionError, PayloadNotSerializableError, QueueClient, toMs } from '../src/index.js';
import { keysOf, rawRedis, testConnection, uniquePrefix } from './helpers.js';

describe('durations', () => {
  it.each([
    [30, 30_000],
    [0.25, 250],
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1.5s', 1500],
  ])('%p is %p ms', (input, ms) => {
    expect(toMs('timeout', input)).toBe(ms);
  });

  it('accepts -1 and 0 only where allowed', () => {
    expect(toMs('resultTtl', -1, { allowForever: true })).toBe(-1);
    expect(toMs('resultTtl', 0, { allowZero: true })).toBe(0);
    expect(() => toMs('timeout', -1)).toThrow(InvalidOptionError);
    expect(() => toMs('timeout', 0)).toThrow(/Invalid option `timeout`: got 0/);
  });

  it.each(['abc', '', '10', '5x', '-5s', NaN, Infinity, -2, null, {}, true])('rejects %p with a message naming the option and the fix', (input) => {
    expect(() => toMs('ttl', input)).toThrow(/Invalid option `ttl`.*expected a number of seconds > 0 or a string like '250ms'/);
  });
});

describe('enqueue rejects bad input and stores nothing', () => {
  const prefix = uniquePrefix('opts');
  const registry = new HandlerRegistry();
  registry.register({ name: 'known', source: 'test', defaults: {}, handle: () => 1 });
  const client = new QueueClient({ connection: testConnection(), prefix, registry });
  const redis = rawRedis();

  afterAll(async () => {
    await client.close();
    redis.disconnect();
  });

  async function storedKeys(): Promise<string[]> {
    return keysOf(redis, `${prefix}:*`);
  }

  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['queue with a brace', { queue: 'a{b}' }, /`queue`.*\[A-Za-z0-9_.-\]/],
    ['empty queue', { queue: '' }, /`queue`/],
    ['jobId with a space', { jobId: 'a b' }, /`jobId`.*1-128 characters/],
    ['jobId too long', { jobId: 'x'.repeat(129) }, /`jobId`/],
    ['atFront not boolean', { atFront: 'yes' }, /`atFront`.*true or false/],
    ['ttl 0', { ttl: 0 }, /`ttl`/],
    ['ttl text', { ttl: 'soon' }, /`ttl`/],
    ['resultTtl -2', { resultTtl: -2 }, /`resultTtl`.*-1 for no limit/],
    ['failureTtl 0', { failureTtl: 0 }, /`failureTtl`/],
    ['timeout NaN', { timeout: NaN }, /`timeout`/],
    ['timeout 0', { timeout: 0 }, /`timeout`/],
    ['attempts 0', { attempts: 0 }, /`attempts`.*1 to 1000/],
    ['attempts 1.5', { attempts: 1.5 }, /`attempts`/],
    ['description number', { description: 5 }, /`description`.*a string/],
    ['meta array', { meta: [1] }, /`meta`.*plain JSON object/],
    ['unknown option (typo)', { tll: 5 }, /`tll`.*known enqueue options/],
  ];

  it.each(cases)('%s', async (_label, options, message) => {
    await expect(client.enqueue('known', { a: 1 }, options)).rejects.toThrow(message);
    await expect(client.enqueue('known', { a: 1 }, options)).rejects.toBeInstanceOf(InvalidOptionError);
    expect(await storedKeys()).toEqual([]);
  });

  it.each([
    ['a function', { f: () => 1 }, /\$\.f is a function/],
    ['a BigInt', { n: BigInt(1) }, /\$\.n is a BigInt/],
    ['NaN', [1, NaN], /\$\[1\] is NaN/],
    ['a Map', { m: new Map() }, /\$\.m is a Map/],
    ['a cycle', (() => { const o: Record<string, unknown> = {}; o.self = o; return o; })(), /circular/],
  ])('data with %s is rejected as not JSON-serialisable', async (_label, data, message) => {
    await expect(client.enqueue('known', data)).rejects.toThrow(message);
    await expect(client.enqueue('known', data)).rejects.toBeInstanceOf(PayloadNotSerializableError);
    expect(await storedKeys()).toEqual([]);
  });

  it('a bad item in enqueueMany stores none of the batch', async () => {
    await expect(
      client.enqueueMany([
        { name: 'known', data: 1 },
        { name: 'known', data: 2, options: { timeout: 'forever' as never } },
      ]),
    ).rejects.toThrow(/`timeout`/);
    expect(await storedKeys()).toEqual([]);
  });

  it('rejects a bad job name', async () => {
    await expect(client.enqueue('', 1)).rejects.toThrow(/Invalid option `name`/);
    await expect(client.enqueue(42 as unknown as string, 1)).rejects.toThrow(/Invalid option `name`/);
  });

  it('rejects bad client options at construction', () => {
    expect(() => new QueueClient({ connection: testConnection(), prefix: 'bad prefix' })).toThrow(/`prefix`/);
    expect(() => new QueueClient({ connection: testConnection(), defaultQueue: '{x}' })).toThrow(/`queue`/);
    expect(() => new QueueClient({ connection: testConnection(), defaultJobOptions: { timeout: 'x' as never } })).toThrow(/`timeout`/);
    expect(() => new QueueClient({ connection: 'http://nope' })).toThrow(/`connection`.*redis:\/\//);
    expect(() => new QueueClient({ connection: testConnection(), isAsync: 'no' as never })).toThrow(/`isAsync`/);
  });

  it('an existing job is never overwritten by a bad or a repeated enqueue', async () => {
    const first = await client.enqueue('known', { v: 1 }, { jobId: 'keep-me', description: 'first' });
    await expect(client.enqueue('known', { v: 2 }, { jobId: 'keep-me', ttl: 'bad' as never })).rejects.toThrow(/`ttl`/);
    const again = await client.enqueue('known', { v: 3 }, { jobId: 'keep-me', description: 'second' });
    expect(again.id).toBe(first.id);
    const info = await again.info();
    expect(info.data).toEqual({ v: 1 });
    expect(info.description).toBe('first');
    await first.delete();
  });
});
