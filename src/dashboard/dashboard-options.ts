import type { CanActivate, Type } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { assertKnownKeys, InvalidOptionError } from '../core/index.js';
import type { AsyncOptions, InjectToken } from '../nest/index.js';

/** A function guard: sees the request (node's IncomingMessage, on either Nest platform) and allows it or not. */
export type DashboardGuardFunction = (request: IncomingMessage) => boolean | Promise<boolean>;

/** Who may use the dashboard: a Nest guard (class or instance, as `@UseGuards` takes it) or a function. */
export type DashboardGuard = Type<CanActivate> | CanActivate | DashboardGuardFunction;

export interface QueueDashboardModuleOptions {
  /** The dashboard's route prefix. Default 'jobline': the overview is at `/jobline/`. */
  path?: string;
  /** Shows everything and offers no action; the server refuses every action with 403. Default false. */
  readOnly?: boolean;
  /**
   * Runs before every page and action of the dashboard (403 when it refuses): a Nest guard (`CanActivate` class or
   * instance) or a function of the request. Without it anyone who reaches the route may use the dashboard.
   */
  guard?: DashboardGuard;
}

export type QueueDashboardModuleAsyncOptions<I extends readonly InjectToken[] = readonly InjectToken[]> = AsyncOptions<
  Omit<QueueDashboardModuleOptions, 'path'> & { guard?: DashboardGuardFunction },
  QueueDashboardModuleOptionsFactory,
  I
>;

export interface QueueDashboardModuleOptionsFactory {
  createQueueDashboardModuleOptions(): (Omit<QueueDashboardModuleOptions, 'path'> & { guard?: DashboardGuardFunction }) | Promise<Omit<QueueDashboardModuleOptions, 'path'> & { guard?: DashboardGuardFunction }>;
}

export const DASHBOARD_OPTION_NAMES = Object.keys({ path: 1, readOnly: 1, guard: 1 } satisfies Record<keyof QueueDashboardModuleOptions, 1>);

/** The options checked, with their defaults. */
export interface DashboardSettings {
  /** without slashes around it */
  path: string;
  readOnly: boolean;
  /** the function guard the dashboard runs itself (a Nest guard runs in Nest, before it) */
  guard: DashboardGuardFunction | null;
}

const PATH = /^[A-Za-z0-9_.~-]+(?:\/[A-Za-z0-9_.~-]+)*$/;

/** The route prefix without slashes around it ('jobline' when not given). */
export function dashboardPath(path: unknown): string {
  const p = path ?? 'jobline';
  if (typeof p !== 'string' || !PATH.test(p.replace(/^\/+|\/+$/g, ''))) throw new InvalidOptionError('path', p, "a route prefix such as 'jobline' or 'admin/queues'");
  return p.replace(/^\/+|\/+$/g, '');
}

/** Whether `guard` is a Nest guard (a class with canActivate, or an object with it) rather than a function of the request. */
export function isNestGuard(guard: DashboardGuard): guard is Type<CanActivate> | CanActivate {
  if (typeof guard === 'object' && guard !== null) return typeof (guard as CanActivate).canActivate === 'function';
  return typeof guard === 'function' && typeof (guard as { prototype?: { canActivate?: unknown } }).prototype?.canActivate === 'function';
}

/** Checks the options (InvalidOptionError naming the option) and applies the defaults. */
export function dashboardSettings(options: unknown, where: string): DashboardSettings {
  assertKnownKeys(options ?? {}, where, DASHBOARD_OPTION_NAMES);
  const o = (options ?? {}) as QueueDashboardModuleOptions;
  if (o.readOnly !== undefined && typeof o.readOnly !== 'boolean') throw new InvalidOptionError('readOnly', o.readOnly, 'true or false');
  const guard = o.guard;
  if (guard !== undefined && typeof guard !== 'function' && !(typeof guard === 'object' && guard !== null && isNestGuard(guard))) {
    throw new InvalidOptionError('guard', guard, 'a Nest guard (a CanActivate class or instance) or a function (request) => boolean');
  }
  return { path: dashboardPath(o.path), readOnly: o.readOnly === true, guard: guard !== undefined && !isNestGuard(guard) ? guard : null };
}
