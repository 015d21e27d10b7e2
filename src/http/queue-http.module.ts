import { Logger, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { InvalidOptionError, type QueueClient } from '../core/index.js';
import { asyncOptionsProviders } from '../nest/async-options.js';
import { JOBLINE_CLIENT, type InjectToken } from '../nest/index.js';
import { httpSettings, routePrefix, type HttpSettings, type QueueHttpModuleAsyncOptions, type QueueHttpModuleOptions } from './http-options.js';
import { queueHttpController } from './queue-http.controller.js';
import { QueueHttpApi } from './queue-http-api.js';

export const JOBLINE_HTTP_OPTIONS = Symbol('JOBLINE_HTTP_OPTIONS');

const api: Provider = {
  provide: QueueHttpApi,
  useFactory: (options: QueueHttpModuleOptions, client: QueueClient) => new QueueHttpApi(client, httpSettings(options, 'QueueHttpModule'), new Logger('JoblineHttp')),
  inject: [JOBLINE_HTTP_OPTIONS, JOBLINE_CLIENT],
};

/**
 * runqy's HTTP API on the application's HTTP platform (Express or Fastify): `POST /<path>/add`, `POST /<path>/add-batch`,
 * `GET /<path>/jobs/:id`, `GET /<path>/jobs/:id/result?wait=`, `GET /<path>/openapi.json`. Enqueues through
 * QueueModule's client, so import QueueModule too.
 */
@Module({})
export class QueueHttpModule {
  static forRoot(options: QueueHttpModuleOptions): DynamicModule {
    const settings: HttpSettings = httpSettings(options, 'QueueHttpModule.forRoot');
    return {
      module: QueueHttpModule,
      controllers: [queueHttpController(settings.path)],
      providers: [{ provide: JOBLINE_HTTP_OPTIONS, useValue: options }, api],
      exports: [QueueHttpApi],
    };
  }

  /**
   * Options made by other providers (`useFactory` / `useClass` / `useExisting`, as QueueModule.forRootAsync). The
   * route prefix is fixed when the module is made, so `path` is given here, not by the factory (which may not set it).
   */
  static forRootAsync<const I extends readonly InjectToken[] = []>(options: QueueHttpModuleAsyncOptions<I> & { path?: string }): DynamicModule {
    const { path, ...async } = options;
    const prefix = routePrefix(path);
    const providers = asyncOptionsProviders(JOBLINE_HTTP_OPTIONS, 'QueueHttpModule.forRootAsync', async, (f) => f.createQueueHttpModuleOptions(), (o) => {
      const s = httpSettings(o, 'QueueHttpModule.forRootAsync factory');
      if (o.path !== undefined && s.path !== prefix) {
        throw new InvalidOptionError('path', o.path, `nothing, or "${prefix}" (the prefix is fixed when the module is made: give \`path\` to forRootAsync itself)`);
      }
    });
    return {
      module: QueueHttpModule,
      imports: [...(async.imports ?? [])],
      controllers: [queueHttpController(prefix)],
      providers: [...providers, api],
      exports: [QueueHttpApi],
    };
  }
}
