import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { InvalidOptionError, Job, JOBLINE_CLIENT, PayloadValidationError, QueueClient, QueueConsumerModule, QueueModule, QueueService } from '../src/index.js';
import { testConnection, uniquePrefix } from './helpers.js';
import { SignupDto } from './signup.dto.js';


/**
 * Handlers as a build without emitDecoratorMetadata (esbuild, tsx, vitest) leaves them: the decorators are applied as
 * plain calls, so no `design:paramtypes` is recorded.
 */
class PlainJobs {
  readonly ran: unknown[] = [];
  signup(data: SignupDto) {
    this.ran.push(data);
    return data.age;
  }
  untyped(data: { email: string }) {
    this.ran.push(data);
    return 'ran unvalidated';
  }
  noParams() {
    return 'none';
  }
}
Injectable()(PlainJobs);
const method = (name: keyof PlainJobs) => Object.getOwnPropertyDescriptor(PlainJobs.prototype, name)!;
Job('plain.signup', { dto: SignupDto })(PlainJobs.prototype, 'signup', method('signup'));
Job('plain.untyped')(PlainJobs.prototype, 'untyped', method('untyped'));
Job('plain.none')(PlainJobs.prototype, 'noParams', method('noParams'));

class NoRules {
  email!: string;
}

describe('payload class without decorator metadata', () => {
  const opened: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    for (const m of opened.splice(0)) await m.close();
  });

  async function start(providers: unknown[], logged: string[]) {
    const logger = { log: () => undefined, warn: (m: string) => void logged.push(m), error: () => undefined };
    @Module({ providers: providers as never[] })
    class Feature {}
    const mod = await Test.createTestingModule({
      imports: [QueueModule.forRoot({ connection: testConnection(), prefix: uniquePrefix('dto'), logger }), QueueConsumerModule.forRoot(), Feature],
    }).compile();
    opened.push(mod);
    await mod.init();
    return mod;
  }

  it('@Job(name, { dto }) validates against the class given, at enqueue and before the handler runs', async () => {
    const mod = await start([PlainJobs], []);
    const q = mod.get(QueueService);
    const err = (await q.enqueue('plain.signup', { email: 'nope', age: 3 }).catch((e: unknown) => e)) as PayloadValidationError;
    expect(err).toBeInstanceOf(PayloadValidationError);
    expect(err.problems).toEqual(expect.arrayContaining(['email must be an email', 'age must not be less than 18']));
    expect(await (await q.enqueue('plain.signup', { email: 'a@b.co', age: 30 })).result({ timeout: '5s' })).toBe(30);
    // a job stored by a producer that did not know the handler is checked by the worker
    const foreign = new QueueClient({ connection: testConnection(), prefix: mod.get<QueueClient>(JOBLINE_CLIENT).prefix });
    const { id } = await foreign.enqueue('plain.signup', { email: 'x', age: 1 });
    await foreign.close();
    await expect((await q.getJob(id))!.result({ timeout: '5s' })).rejects.toMatchObject({ errorName: 'PayloadValidationError' });
    expect(mod.get(PlainJobs).ran).toEqual([{ email: 'a@b.co', age: 30 }]);
  });

  it('warns once at start, naming each handler whose parameter type cannot be read', async () => {
    const logged: string[] = [];
    await start([PlainJobs], logged);
    const warnings = logged.filter((m) => m.includes('cannot be read'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/@Job PlainJobs\.untyped\b.*emitDecoratorMetadata.*\{ dto: MyDto \}/);
    // one with a dto, and one that takes no data, are fine
    expect(warnings[0]).not.toMatch(/PlainJobs\.signup|PlainJobs\.noParams/);
  });

  it('a dto without class-validator rules stops the application at start', async () => {
    class Bad {
      run(_data: NoRules) {
        return 1;
      }
    }
    Injectable()(Bad);
    Job('bad', { dto: NoRules })(Bad.prototype, 'run', Object.getOwnPropertyDescriptor(Bad.prototype, 'run')!);
    const err = await start([Bad], []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect(String(err)).toMatch(/@Job dto on Bad.run.*class NoRules.*class-validator decorators/);
  });
});
