import { Logger, Module, type CanActivate, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { InvalidOptionError, type QueueClient } from '../core/index.js';
import { asyncOptionsProviders } from '../nest/async-options.js';
import { JOBLINE_CLIENT, type InjectToken } from '../nest/index.js';
import {
  dashboardPath,
  dashboardSettings,
  isNestGuard,
  type DashboardGuard,
  type QueueDashboardModuleAsyncOptions,
  type QueueDashboardModuleOptions,
} from './dashboard-options.js';
import { queueDashboardController } from './queue-dashboard.controller.js';
import { QueueDashboard } from './queue-dashboard.js';

export const JOBLINE_DASHBOARD_OPTIONS = Symbol('JOBLINE_DASHBOARD_OPTIONS');

function dashboardProvider(path: string): Provider {
  return {
    provide: QueueDashboard,
    useFactory: (options: QueueDashboardModuleOptions, client: QueueClient) =>
      new QueueDashboard(client, dashboardSettings({ ...options, path }, 'QueueDashboardModule'), new Logger('JoblineDashboard')),
    inject: [JOBLINE_DASHBOARD_OPTIONS, JOBLINE_CLIENT],
  };
}

/** The Nest guard of `guard` (run by Nest before the controller), with the providers it needs; none for a function. */
function nestGuard(guard: DashboardGuard | undefined): { guard: Parameters<typeof queueDashboardController>[1]; providers: Provider[] } {
  if (guard === undefined || !isNestGuard(guard)) return { guard: null, providers: [] };
  return { guard, providers: typeof guard === 'function' ? [guard] : [] };
}

/**
 * The web dashboard on the application's HTTP platform (Express or Fastify) at `/<path>/` (default /jobline/): queues
 * with counts, lanes, workers and a chart of the last hour; jobs per status, paged; a job's detail; schedules; workers;
 * and the actions on them (POST, CSRF-checked, confirmed first when destructive; none with `readOnly`). Reads through
 * QueueModule's client, so import QueueModule too. Protect it with `guard` (a Nest guard or a function of the request).
 */
@Module({})
export class QueueDashboardModule {
  static forRoot(options: QueueDashboardModuleOptions = {}): DynamicModule {
    const settings = dashboardSettings(options, 'QueueDashboardModule.forRoot');
    const g = nestGuard(options.guard);
    return {
      module: QueueDashboardModule,
      controllers: [queueDashboardController(settings.path, g.guard)],
      providers: [{ provide: JOBLINE_DASHBOARD_OPTIONS, useValue: { readOnly: settings.readOnly, guard: settings.guard ?? undefined } }, dashboardProvider(settings.path), ...g.providers],
      exports: [QueueDashboard],
    };
  }

  /**
   * Options made by other providers (`useFactory` / `useClass` / `useExisting`). The route prefix and a Nest guard are
   * fixed when the module is made, so they are given here; the factory gives `readOnly` and a function `guard`.
   */
  static forRootAsync<const I extends readonly InjectToken[] = []>(
    options: QueueDashboardModuleAsyncOptions<I> & { path?: string; nestGuard?: Type<CanActivate> | CanActivate },
  ): DynamicModule {
    const { path, nestGuard: given, ...async } = options;
    const prefix = dashboardPath(path);
    if (given !== undefined && !isNestGuard(given)) throw new InvalidOptionError('nestGuard', given, 'a Nest guard (a CanActivate class or instance); give a function guard from the factory');
    const g = nestGuard(given);
    const providers = asyncOptionsProviders(JOBLINE_DASHBOARD_OPTIONS, 'QueueDashboardModule.forRootAsync', async, (f) => f.createQueueDashboardModuleOptions(), (o) => {
      const s = dashboardSettings(o, 'QueueDashboardModule.forRootAsync factory');
      if ((o as QueueDashboardModuleOptions).path !== undefined && s.path !== prefix) {
        throw new InvalidOptionError('path', (o as QueueDashboardModuleOptions).path, `nothing, or "${prefix}" (the prefix is fixed when the module is made: give \`path\` to forRootAsync itself)`);
      }
      if (o.guard !== undefined && isNestGuard(o.guard)) throw new InvalidOptionError('guard', o.guard, 'a function (request) => boolean here; give a Nest guard to forRootAsync itself as nestGuard');
    });
    return {
      module: QueueDashboardModule,
      imports: [...(async.imports ?? [])],
      controllers: [queueDashboardController(prefix, g.guard)],
      providers: [...providers, dashboardProvider(prefix), ...g.providers],
      exports: [QueueDashboard],
    };
  }
}
