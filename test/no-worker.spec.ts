import type { JobContext } from '../src/index.js';
import { engine } from './engine.js';

/** A logger that keeps its warnings. */
function warnings() {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, logger: { log: () => undefined, warn: (m: string) => void lines.push(m), error: (m: string) => void errors.push(m) } };
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('jobs in a queue that no live worker consumes', () => {
  it('warns once, naming the queue, the queues that are consumed, the handler’s own queue and the fix', async () => {
    const w = warnings();
    const e = engine('nowork', { 'email.welcome': (d: unknown, _c: JobContext) => d }, { logger: w.logger, noWorkerWarning: '300ms' });
    const worker = e.worker({ queues: ['default'] });
    // the handler is declared for 'default' (the registry's defaults); the caller sends it to 'x' by mistake
    await e.client.enqueue('email.welcome', { to: 'a' }, { queue: 'x' });
    await e.client.enqueue('email.welcome', { to: 'b' }, { queue: 'x' });
    await until(() => w.lines.length > 0, 'the warning');
    expect(w.lines).toHaveLength(1);
    expect(w.lines[0]).toMatch(/^Queue "x" has 2 job\(s\) waiting \(e.g. "email.welcome"\) and no live worker consumes it/);
    expect(w.lines[0]).toMatch(/Queues with a live worker: default\./);
    expect(w.lines[0]).toMatch(/Fix: run a consumer of "x" \(QueueConsumerModule.forRoot\(\{ queues: \[\.\.\., 'x'\] \}\)/);
    expect(w.lines[0]).toMatch(/The handler of "email.welcome" \(test.email.welcome\) is declared for queue "default": leave `queue` out/);
    // more jobs to that queue within the minute: no second warning
    await e.client.enqueue('email.welcome', { to: 'c' }, { queue: 'x' });
    await new Promise((r) => setTimeout(r, 600));
    expect(w.lines).toHaveLength(1);
    await worker.close();
  });

  it('counts the jobs of every lane: jobs waiting only in a lane of their own are reported too', async () => {
    const w = warnings();
    const e = engine('nowork-lanes', { job: () => 1 }, { logger: w.logger, noWorkerWarning: '300ms', queues: { tiers: { lanes: ['high', 'default'] } } });
    await e.client.enqueue('job', null, { queue: 'tiers', priority: 'high' });
    await e.client.enqueue('job', null, { queue: 'tiers.high' });
    await until(() => w.lines.length > 0, 'the warning');
    expect(w.lines[0]).toMatch(/^Queue "tiers" has 2 job\(s\) waiting \(e.g. "job"\) and no live worker consumes it/);
  });

  it('counts the jobs of every group: grouped jobs waiting in a queue nothing consumes are reported too', async () => {
    const w = warnings();
    const e = engine('nowork-groups', { job: () => 1 }, { logger: w.logger, noWorkerWarning: '300ms' });
    await e.client.enqueue('job', null, { queue: 'tenants', group: { id: 'acme', concurrency: 1 } });
    await e.client.enqueue('job', null, { queue: 'tenants', group: { id: 'globex' } });
    await until(() => w.lines.length > 0, 'the warning');
    expect(w.lines[0]).toMatch(/^Queue "tenants" has 2 job\(s\) waiting \(e.g. "job"\) and no live worker consumes it/);
  });

  it('a worker given a lane (queue.lane) instead of a queue is told so, with the queue to give', async () => {
    const w = warnings();
    const e = engine('lane-worker', { job: () => 1 }, { logger: w.logger, queues: { tiers: { lanes: ['high', 'default'] } } });
    const worker = e.worker({ queues: ['tiers.high', 'plain.dotted'] });
    await until(() => w.errors.length > 0, 'the error');
    expect(w.errors).toHaveLength(1);
    expect(w.errors[0]).toMatch(/^A worker was given queue "tiers.high", which names lane "high" of queue "tiers", not a queue/);
    expect(w.errors[0]).toMatch(/give it "tiers"\.$/);
    await worker.close();
  });

  it('says nothing when a worker consumes the queue, or once its jobs have been taken', async () => {
    const w = warnings();
    const e = engine('nowork-ok', { job: () => 1 }, { logger: w.logger, noWorkerWarning: '300ms' });
    e.worker({ queues: ['default'] });
    const h = await e.client.enqueue('job');
    expect(await h.result({ timeout: '5s' })).toBe(1);
    const off = engine('nowork-off', { job: () => 1 }, { logger: w.logger, noWorkerWarning: false });
    await off.client.enqueue('job');
    await new Promise((r) => setTimeout(r, 800));
    expect(w.lines).toEqual([]);
  });
});
