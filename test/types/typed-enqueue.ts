// Compiled by `npm test` (tsc --noEmit), never run: queue.job(Class, 'method') checks data and result types.
import type { JobContext, QueueService } from '../../src/index.js';

class WelcomeDto {
  to!: string;
  name?: string;
}

class EmailJobs {
  async welcome(data: WelcomeDto, _ctx: JobContext): Promise<{ messageId: string }> {
    return { messageId: data.to };
  }
  digest(): number {
    return 1;
  }
  maybe(data?: { n: number }): string {
    return String(data?.n);
  }
  readonly notAMethod = 'x';
}

export async function typed(queue: QueueService): Promise<void> {
  const welcome = queue.job(EmailJobs, 'welcome');
  const handle = await welcome.enqueue({ to: 'ann@example.com' }, { queue: 'emails' });
  const sent: { messageId: string } = await handle.result();
  void sent;
  await queue.job(EmailJobs, 'digest').enqueue();
  const n: number = await (await queue.job(EmailJobs, 'digest').enqueue()).result();
  void n;
  await queue.job(EmailJobs, 'maybe').enqueue();
  await queue.job(EmailJobs, 'maybe').enqueue({ n: 1 });
  await welcome.enqueueMany([{ data: { to: 'a@b.co' } }, { data: { to: 'c@d.co', name: 'C' } }]);

  // @ts-expect-error -- `to` is missing
  await welcome.enqueue({ name: 'Ann' });
  // @ts-expect-error -- `to` must be a string
  await welcome.enqueue({ to: 42 });
  // @ts-expect-error -- the handler takes data: it cannot be left out
  await welcome.enqueue();
  // @ts-expect-error -- a handler that takes nothing is given nothing
  await queue.job(EmailJobs, 'digest').enqueue({ x: 1 });
  // @ts-expect-error -- no such method
  queue.job(EmailJobs, 'welcom');
  // @ts-expect-error -- a property, not a method
  queue.job(EmailJobs, 'notAMethod');
  // @ts-expect-error -- the result is { messageId }, not a number
  const wrong: number = await handle.result();
  void wrong;
  // @ts-expect-error -- enqueueMany items carry the same data type
  await welcome.enqueueMany([{ data: { to: 1 } }]);
}
