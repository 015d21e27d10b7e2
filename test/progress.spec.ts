import { InvalidProgressError, type JobProgressEvent, type ThreadOptions } from '../src/index.js';
import { engine } from './engine.js';
import { deferred, poll } from './helpers.js';

const SETUP: ThreadOptions = { module: new URL('./fixtures/thread-jobs.mjs', import.meta.url), export: 'register' };

describe('ctx.progress', () => {
  it('stores the value (read back as info().progress), reports a progress event, and refuses a bad value', async () => {
    const gate = deferred();
    const errors: string[] = [];
    const e = engine('progress', {
      work: async (_d: unknown, ctx) => {
        await ctx.progress(10);
        await ctx.progress({ done: 3, of: 4, note: 'résumé' });
        for (const bad of [Number.POSITIVE_INFINITY, 'half', [1], { big: 'x'.repeat(70_000) }]) {
          await ctx.progress(bad as never).catch((err: unknown) => errors.push(`${(err as Error).name}: ${(err as Error).message}`));
        }
        await gate.promise;
        return 'ok';
      },
    });
    const events: JobProgressEvent[] = [];
    e.client.on('progress', (ev) => void events.push(ev));
    const h = await e.client.enqueue('work', null);
    expect((await h.info()).progress).toBeNull();
    e.worker();
    await poll(async () => (await h.info()).progress, (p) => p !== null && typeof p === 'object');
    expect((await h.info()).progress).toEqual({ done: 3, of: 4, note: 'résumé' });
    expect(events.map((ev) => [ev.id, ev.attempt, ev.progress])).toEqual([
      [h.id, 1, 10],
      [h.id, 1, { done: 3, of: 4, note: 'résumé' }],
    ]);
    expect(errors).toHaveLength(4);
    expect(errors[0]).toMatch(/^InvalidProgressError: Invalid progress: got Infinity; expected a finite number, or a plain JSON object/);
    expect(errors[3]).toMatch(/it is \d+ bytes/);
    gate.resolve();
    expect(await h.result()).toBe('ok');
    // kept once the job ended
    expect((await h.info()).progress).toEqual({ done: 3, of: 4, note: 'résumé' });
  });

  it('in sync mode and in a worker thread', async () => {
    const e = engine('progress-modes', { work: async (_d: unknown, ctx) => void (await ctx.progress(99)) }, { isAsync: false });
    const events: unknown[] = [];
    e.client.on('progress', (ev) => void events.push(ev.progress));
    const h = await e.client.enqueue('work', null);
    expect((await h.info()).progress).toBe(99);
    expect(events).toEqual([99]);

    const t = engine('progress-thread', {});
    t.registry.register({ name: 'progress', source: 'main.progress', defaults: {}, isolate: 'thread', handle: () => { throw new Error('ran on the main thread'); } });
    const seen: unknown[] = [];
    t.client.on('progress', (ev) => void seen.push(ev.progress));
    t.worker({ threads: { ...SETUP, size: 1 } });
    const th = await t.client.enqueue('progress', null);
    expect(await th.result()).toEqual({ bad: InvalidProgressError.name });
    const info = await th.info();
    expect(info.progress).toEqual({ step: 2, threadId: expect.any(Number) });
    expect((info.progress as { threadId: number }).threadId).toBeGreaterThan(0);
    expect(seen).toEqual([40, info.progress]);
  });
});
