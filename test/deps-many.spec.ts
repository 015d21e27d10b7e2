import { engine } from './engine.js';

describe('a job with more dependencies than Lua can unpack at once', () => {
  it('waits on all 9,000 of them (enqueue.lua writes its dependency set in slices)', async () => {
    const e = engine('deps-many', { noop: () => null });
    const parents = await e.client.enqueueMany(Array.from({ length: 9_000 }, () => ({ name: 'noop' })));
    const child = await e.client.enqueue('noop', null, { dependsOn: parents });
    expect(await child.getStatus()).toBe('deferred');
    expect((await child.info()).dependencies).toHaveLength(9_000);
  });
});
