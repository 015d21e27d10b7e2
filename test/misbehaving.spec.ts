import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobContext } from '../src/index.js';
import { ChildWorker } from './child.js';
import { engine } from './engine.js';

describe('handlers that misbehave', () => {
  const children: ChildWorker[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) {
      c.kill('SIGKILL');
      await c.exited;
    }
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('a handler that blocks its event loop past the lease: another worker reruns the job, and the late outcome is dropped', async () => {
    const runs: number[] = [];
    const e = engine('block-lease', { block: (_d: unknown, ctx: JobContext) => (runs.push(ctx.attempt), `from the second worker, attempt ${ctx.attempt}`) });
    const dir = mkdtempSync(join(tmpdir(), 'jobline-block-'));
    dirs.push(dir);
    const release = join(dir, 'release');
    const h = await e.client.enqueue('block', {});
    const child = new ChildWorker({ PREFIX: e.prefix, LEASE: '1s', RELEASE: release });
    children.push(child);
    const [, childId] = await child.waitFor(/^ready (\S+)$/);
    await child.waitFor(new RegExp(`^started ${h.id} 1$`));
    // the blocked worker cannot renew its lease: this worker's maintenance reclaims the job and runs it again
    e.worker({ leaseTime: '1s' });
    expect(await h.result({ timeout: '20s' })).toBe('from the second worker, attempt 2');
    const before = await h.info();
    // the blocked handler now returns; a graceful close sends every outcome the blocked worker still holds
    writeFileSync(release, '');
    child.kill('SIGTERM');
    await child.waitFor(/^closed$/, 20_000);
    expect((await child.exited).code).toBe(0);
    const after = await h.info();
    expect(after.status).toBe('finished');
    expect(after.result).toBe('from the second worker, attempt 2');
    expect(after.attempts).toBe(2);
    expect(after.endedAt).toEqual(before.endedAt);
    expect(runs).toEqual([2]);
    expect(await e.redis.scard(`${e.base('default')}held:${childId}`)).toBe(0);
  }, 60_000);
});
