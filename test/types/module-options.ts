// Compiled by `npm test` (tsc --noEmit), never run: what forRootAsync accepts and refuses at compile time.
import { Injectable } from '@nestjs/common';
import { QueueConsumerModule, QueueModule } from '../../src/index.js';

@Injectable()
class Config {
  get(key: string): string {
    return key;
  }
}
const TOKEN = Symbol('TOKEN');

// an unannotated parameter takes the type of its class token
QueueModule.forRootAsync({ inject: [Config], useFactory: (config) => ({ connection: config.get('REDIS_URL') }) });
// an optional token's value may be undefined
QueueModule.forRootAsync({ inject: [{ token: Config, optional: true }], useFactory: (config) => ({ prefix: config?.get('PREFIX') }) });
// a string or symbol token carries no type: the factory's annotation gives it
QueueModule.forRootAsync({ inject: [TOKEN], useFactory: (c: { url: string }) => ({ connection: c.url }) });
QueueConsumerModule.forRootAsync({ inject: [Config], useFactory: async (config) => ({ concurrency: Number(config.get('C')) }) });

// @ts-expect-error -- Config has no `nope`: the parameter is typed, not `any`
QueueModule.forRootAsync({ inject: [Config], useFactory: (config) => ({ connection: config.nope() }) });
// @ts-expect-error -- an optional token may be undefined
QueueModule.forRootAsync({ inject: [{ token: Config, optional: true }], useFactory: (config) => ({ prefix: config.get('P') }) });
// @ts-expect-error -- the factory declares a parameter that nothing injects
QueueModule.forRootAsync({ useFactory: (config: Config) => ({ prefix: config.get('P') }) });
// @ts-expect-error -- the factory must return module options (a typo'd name is not one)
QueueModule.forRootAsync({ inject: [Config], useFactory: (config) => ({ conection: config.get('REDIS_URL') }) });
// @ts-expect-error -- useClass must make the options (createQueueModuleOptions)
QueueModule.forRootAsync({ useClass: Config });
