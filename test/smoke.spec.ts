import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Job, QueueConsumerModule, QueueModule, QueueService, type JobContext } from '../src/index.js';
import { testConnection, uniquePrefix } from './helpers.js';

@Injectable()
class Greeter {
  greet(n: string) {
    return `hello ${n}`;
  }
}

@Injectable()
class Jobs {
  constructor(private readonly greeter: Greeter) {}
  @Job('greet')
  run(data: { who: string }, ctx: JobContext) {
    return { text: this.greeter.greet(data.who), attempt: ctx.attempt };
  }
}

@Module({ providers: [Greeter, Jobs] })
class FeatureModule {}

describe('smoke', () => {
  it('enqueues and runs a job through DI', async () => {
    const mod = await Test.createTestingModule({
      imports: [QueueModule.forRoot({ connection: testConnection(), prefix: uniquePrefix('smoke') }), QueueConsumerModule.forRoot(), FeatureModule],
    }).compile();
    const app = await mod.init();
    const q = app.get(QueueService);
    const h = await q.enqueue('greet', { who: 'x' });
    await expect(h.result({ timeout: '5s' })).resolves.toEqual({ text: 'hello x', attempt: 1 });
    expect(await h.getStatus()).toBe('finished');
    await app.close();
  });
});
