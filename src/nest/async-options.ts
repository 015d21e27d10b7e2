import type { FactoryProvider, InjectionToken, Provider } from '@nestjs/common';
import { assertKnownKeys, InvalidOptionError } from '../core/index.js';
import { ASYNC_OPTION_NAMES, type AsyncOptions, type InjectToken } from './jobline-options.interface.js';

/**
 * The providers behind a forRootAsync: `token` is made by the user's factory (`useFactory`, or the
 * `create...Options()` method of `useClass` / `useExisting`), and its value is checked by `check` before anything
 * uses it, so a bad option stops the application when the module is made.
 */
export function asyncOptionsProviders<O, F, I extends readonly InjectToken[]>(
  token: symbol,
  where: string,
  options: AsyncOptions<O, F, I>,
  create: (factory: F) => O | Promise<O>,
  check: (value: O) => void,
): Provider[] {
  assertKnownKeys(options, where, ASYNC_OPTION_NAMES);
  const ways = (['useFactory', 'useClass', 'useExisting'] as const).filter((k) => options[k] !== undefined);
  if (ways.length !== 1) {
    throw new InvalidOptionError(where, ways.length ? ways.join(' and ') : options, 'exactly one of useFactory, useClass or useExisting');
  }
  if (options.useFactory !== undefined && typeof options.useFactory !== 'function') {
    throw new InvalidOptionError('useFactory', options.useFactory, 'a function returning the options (or a promise of them)');
  }
  if (options.inject !== undefined && (!options.useFactory || !Array.isArray(options.inject))) {
    throw new InvalidOptionError('inject', options.inject, 'an array of tokens, given with useFactory (useClass and useExisting inject through their constructor)');
  }
  const extra = options.extraProviders ?? [];
  const checked = async (value: O | Promise<O>): Promise<O> => {
    const o = await value;
    check(o);
    return o;
  };
  if (options.useFactory) {
    const factory = options.useFactory as unknown as (...args: unknown[]) => O | Promise<O>;
    const provider: FactoryProvider = { provide: token, useFactory: (...args: unknown[]) => checked(factory(...args)), inject: [...(options.inject ?? [])] };
    return [provider, ...extra];
  }
  const source: InjectionToken = (options.useClass ?? options.useExisting)!;
  const provider: FactoryProvider = { provide: token, useFactory: (f: F) => checked(create(f)), inject: [source] };
  return options.useClass ? [provider, { provide: options.useClass, useClass: options.useClass }, ...extra] : [provider, ...extra];
}
