import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  InvalidOptionError,
  Job,
  JOBLINE_CLIENT,
  QueueClient,
  QueueConsumer,
  QueueConsumerModule,
  QueueModule,
  QueueService,
  type ConnectionOption,
  type ConsumerOptions,
  type ConsumerOptionsFactory,
  type JobOptions,
  type QueueModuleOptions,
  type QueueModuleOptionsFactory,
} from '../src/index.js';
import { rawRedis, testConnection, uniquePrefix } from './helpers.js';

/** Stands in for @nestjs/config's ConfigService: a class token, so factories that inject it are typed. */
@Injectable()
class AppConfig {
  private readonly values: Record<string, string> = { url: JSON.stringify(testConnection()), prefix: uniquePrefix('opts'), queue: 'from-config' };
  get(key: string): string {
    return this.values[key]!;
  }
  /** The connection, kept as JSON text as a config service keeps values (a URL, or a cluster's nodes). */
  connection(): ConnectionOption {
    return JSON.parse(this.values.url!) as ConnectionOption;
  }
}

@Module({ providers: [AppConfig], exports: [AppConfig] })
class ConfigModule {}

@Injectable()
class JoblineConfig implements QueueModuleOptionsFactory, ConsumerOptionsFactory {
  constructor(private readonly config: AppConfig) {}
  createQueueModuleOptions(): QueueModuleOptions {
    return { connection: this.config.connection(), prefix: this.config.get('prefix'), defaultQueue: this.config.get('queue') };
  }
  createConsumerOptions(): ConsumerOptions {
    return { queues: ['from-class'], concurrency: 2 };
  }
}

@Module({ imports: [ConfigModule], providers: [JoblineConfig], exports: [JoblineConfig] })
class JoblineConfigModule {}

describe('module options', () => {
  const opened: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    for (const m of opened.splice(0)) await m.close();
  });
  async function compile(imports: unknown[]) {
    const mod = await Test.createTestingModule({ imports: imports as never[] }).compile();
    opened.push(mod);
    return mod;
  }

  describe('a typo is refused, naming the option, the known ones and the one meant', () => {
    it('QueueModule.forRoot', () => {
      const call = () => QueueModule.forRoot({ conection: testConnection() } as QueueModuleOptions);
      expect(call).toThrow(InvalidOptionError);
      expect(call).toThrow(/`conection`.*one of connection, prefix, isAsync.*did you mean `connection`/);
    });

    it('QueueModule.forRootAsync (the factory result), at application start', async () => {
      const err = await compile([QueueModule.forRootAsync({ useFactory: () => ({ connection: testConnection(), prefx: 'x' }) as QueueModuleOptions })]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidOptionError);
      expect(String(err)).toMatch(/`prefx`.*QueueModule.forRootAsync factory.*did you mean `prefix`/);
    });

    it('QueueConsumerModule.forRootAsync (the factory result)', async () => {
      // the app never starts, so nothing closes its client: give it a connection this test closes
      const redis = rawRedis();
      try {
        const err = await compile([
          QueueModule.forRoot({ connection: redis, prefix: uniquePrefix('opts') }),
          QueueConsumerModule.forRootAsync({ useFactory: () => ({ concurency: 3 }) as ConsumerOptions }),
        ]).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InvalidOptionError);
        expect(String(err)).toMatch(/`concurency`.*did you mean `concurrency`/);
      } finally {
        redis.disconnect();
      }
    });

    it('@Job options (isolate and dto among them), at application start', async () => {
      class Render {
        page(): void {}
      }
      Job('render', { isolat: 'thread' } as JobOptions)(Render.prototype, 'page', Object.getOwnPropertyDescriptor(Render.prototype, 'page')!);
      Injectable()(Render);
      // the app never starts, so nothing closes its client: give it a connection this test closes
      const redis = rawRedis();
      try {
        const err = await compile([QueueModule.forRoot({ connection: redis, prefix: uniquePrefix('opts') }), { module: class RenderModule {}, providers: [Render] }])
          .then((mod) => mod.init())
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InvalidOptionError);
        expect(String(err)).toMatch(/`isolat`.*one of queue, .*dto, isolate \(the @Job\("render"\) options\).*did you mean `isolate`/);
      } finally {
        redis.disconnect();
      }
    });

    it('the forRootAsync options themselves', () => {
      expect(() => QueueModule.forRootAsync({ useFactori: () => ({}) } as never)).toThrow(/`useFactori`.*did you mean `useFactory`/);
      expect(() => QueueModule.forRootAsync({ useFactory: () => ({}), useClass: JoblineConfig })).toThrow(/exactly one of useFactory, useClass or useExisting/);
      expect(() => QueueModule.forRootAsync({})).toThrow(/exactly one of useFactory, useClass or useExisting/);
      expect(() => QueueModule.forRootAsync({ useClass: JoblineConfig, inject: [AppConfig] } as never)).toThrow(/`inject`.*given with useFactory/);
    });
  });

  describe('forRootAsync, each form', () => {
    it('useFactory with an unannotated parameter, typed from its class token', async () => {
      const mod = await compile([
        QueueModule.forRootAsync({
          imports: [ConfigModule],
          inject: [AppConfig],
          useFactory: (config) => ({ connection: config.connection(), prefix: config.get('prefix'), defaultQueue: config.get('queue') }),
        }),
      ]);
      expect(mod.get<QueueClient>(JOBLINE_CLIENT).defaultQueue).toBe('from-config');
    });

    it('inject with { token, optional: true }: undefined when nothing provides it', async () => {
      const mod = await compile([
        QueueModule.forRootAsync({
          imports: [ConfigModule],
          inject: [AppConfig, { token: 'NOT_PROVIDED', optional: true }],
          useFactory: async (config, missing: string | undefined) => ({ connection: config.connection(), defaultQueue: missing ?? 'fallback' }),
        }),
      ]);
      expect(mod.get<QueueClient>(JOBLINE_CLIENT).defaultQueue).toBe('fallback');
    });

    it('useClass: a QueueModuleOptionsFactory made with its own injections', async () => {
      const mod = await compile([QueueModule.forRootAsync({ imports: [ConfigModule], useClass: JoblineConfig })]);
      expect(mod.get<QueueClient>(JOBLINE_CLIENT).defaultQueue).toBe('from-config');
    });

    it('useExisting: a factory provider exported by an imported module', async () => {
      const mod = await compile([QueueModule.forRootAsync({ imports: [JoblineConfigModule], useExisting: JoblineConfig })]);
      expect(mod.get<QueueClient>(JOBLINE_CLIENT).defaultQueue).toBe('from-config');
      expect(mod.get(QueueService)).toBeInstanceOf(QueueService);
    });

    it('QueueConsumerModule.forRootAsync with useFactory and with useClass', async () => {
      const byFactory = await compile([
        QueueModule.forRoot({ connection: testConnection(), prefix: uniquePrefix('opts') }),
        QueueConsumerModule.forRootAsync({
          imports: [ConfigModule],
          inject: [AppConfig],
          useFactory: (config) => ({ queues: [config.get('queue')], autoStart: false }),
        }),
      ]);
      expect(byFactory.get(QueueConsumer).queues()).toEqual(['from-config']);
      const byClass = await compile([
        QueueModule.forRoot({ connection: testConnection(), prefix: uniquePrefix('opts') }),
        QueueConsumerModule.forRootAsync({ imports: [ConfigModule], useClass: JoblineConfig }),
      ]);
      expect(byClass.get(QueueConsumer).queues()).toEqual(['from-class']);
    });
  });
});
