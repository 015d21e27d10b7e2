import { DEFAULTS } from './defaults.js';
import { toMs } from './duration.js';
import { InvalidOptionError } from './errors.js';
import type { HandlerRegistry } from './handler-registry.js';
import { isPlainObject } from './plain-object.js';
import type { CallbackRef, EnqueueOptions } from './types.js';

/** The options that name a callback, which are also the keys of the stored callback set. */
export const CALLBACK_OPTIONS = ['onSuccess', 'onFailure', 'onStopped'] as const;
export type CallbackKind = (typeof CALLBACK_OPTIONS)[number];

/** A job's callbacks as stored in its hash: JSON `{ onSuccess?: [name, timeout ms], onFailure?: ..., onStopped?: ... }`. */
export type CallbackSet = Partial<Record<CallbackKind, [name: string, timeoutMs: number]>>;

/** The set of a job with no callbacks (shared: nothing built per job). */
export const NO_CALLBACKS: CallbackSet = Object.freeze({});

/** Validates the callback options of an enqueue and gives them as a set (NO_CALLBACKS when there are none). */
export function callbackSetOf(options: EnqueueOptions): CallbackSet {
  if (options.onSuccess === undefined && options.onFailure === undefined && options.onStopped === undefined) return NO_CALLBACKS;
  const set: CallbackSet = {};
  for (const kind of CALLBACK_OPTIONS) {
    const ref = options[kind];
    if (ref !== undefined) set[kind] = parseCallback(kind, ref);
  }
  return set;
}

function parseCallback(option: CallbackKind, ref: CallbackRef): [string, number] {
  const expected = 'a @JobCallback name (without lone UTF-16 surrogates), or { name, timeout? }';
  // names as for jobs (assertJobName): no lone surrogate, which no registered name could be matched against
  if (typeof ref === 'string') {
    if (ref.trim() === '' || !ref.isWellFormed()) throw new InvalidOptionError(option, ref, expected);
    return [ref, DEFAULTS.CALLBACK_TIMEOUT_MS];
  }
  if (!isPlainObject(ref) || typeof ref.name !== 'string' || ref.name.trim() === '' || !ref.name.isWellFormed()) throw new InvalidOptionError(option, ref, expected);
  for (const k of Object.keys(ref)) if (k !== 'name' && k !== 'timeout') throw new InvalidOptionError(`${option}.${k}`, ref[k as never], 'only `name` and `timeout`');
  return [ref.name, ref.timeout === undefined ? DEFAULTS.CALLBACK_TIMEOUT_MS : toMs(`${option}.timeout`, ref.timeout)];
}

/** The stored form of a set: '' for none. */
export function encodeCallbackSet(set: CallbackSet): string {
  return set === NO_CALLBACKS ? '' : JSON.stringify(set);
}

export function decodeCallbackSet(json: string | null | undefined): CallbackSet {
  return json ? (JSON.parse(json) as CallbackSet) : NO_CALLBACKS;
}

/** Throws UnknownCallbackError for the first callback of the set this process does not know. */
export function checkCallbacks(set: CallbackSet, registry: HandlerRegistry): void {
  for (const kind of CALLBACK_OPTIONS) {
    const entry = set[kind];
    if (entry) registry.requireCallback(entry[0]);
  }
}
