import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { DiscoveryModule, NestFactory } from '@nestjs/core';
import { HandlerRegistry, ThreadSetupError } from '../core/index.js';
import { JobExplorer } from './job-explorer.js';
import { JoblineMetadataAccessor } from './jobline-metadata.accessor.js';

/** Discovers the @Job handlers of the module a thread builds, into a registry of its own. */
@Module({})
class JoblineThreadModule {
  static around(userModule: Type | DynamicModule): DynamicModule {
    return {
      module: JoblineThreadModule,
      imports: [DiscoveryModule, userModule],
      providers: [HandlerRegistry, JoblineMetadataAccessor, JobExplorer],
    };
  }
}

/**
 * The setup of a Nest consumer's job threads (ConsumerOptions.threads): each thread builds an application context of
 * the named module (so a handler's provider gets its DI there, in that thread), and hands its @Job handlers to the
 * thread's registry. A QueueConsumerModule inside that context starts no worker (isJobThread()).
 */
export async function setupNestThread(registry: HandlerRegistry, data: { module: string; export: string }): Promise<void> {
  const mod = (await import(data.module)) as Record<string, unknown>;
  const userModule = mod[data.export];
  if (typeof userModule !== 'function' && (userModule === null || typeof userModule !== 'object')) {
    throw new ThreadSetupError(`${data.module} has no Nest module named ${data.export} (got ${typeof userModule}).`);
  }
  const app = await NestFactory.createApplicationContext(JoblineThreadModule.around(userModule as Type | DynamicModule), { logger: ['error', 'warn'] });
  const found = app.get(JobExplorer).registry;
  for (const name of found.names()) registry.register(found.get(name)!);
}
