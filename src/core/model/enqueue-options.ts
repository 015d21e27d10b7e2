import { InvalidOptionError } from './errors.js';
import { assertJobId, assertQueueName } from './names.js';
import { isPlainObject } from './plain-object.js';
import type { DependencyRef, EnqueueOptions } from './types.js';

export const KNOWN_OPTIONS = new Set([
  'queue',
  'jobId',
  'atFront',
  'ttl',
  'resultTtl',
  'failureTtl',
  'timeout',
  'attempts',
  'description',
  'meta',
  'dependsOn',
  'onDependencyFailure',
  'onSuccess',
  'onFailure',
  'onStopped',
  'retry',
  'delay',
  'runAt',
  'keep',
  'unique',
  'priority',
  'group',
]);

/** Options that belong to one enqueue call, never to defaults (a @Job's, the module's, a schedule's). */
const PER_CALL_OPTIONS = new Set(['jobId', 'dependsOn', 'delay', 'runAt']);

/** Checks the keys of an options object, so a typo (`tll`) is an error instead of a silently ignored option. */
export function assertKnownOptions(options: object, where: string): void {
  // for-in, not Object.keys: no array per enqueue (options are plain objects: isPlainObject or the caller's literal)
  for (const key in options) {
    if (!Object.prototype.hasOwnProperty.call(options, key)) continue;
    if (where !== 'enqueue' && PER_CALL_OPTIONS.has(key)) {
      throw new InvalidOptionError(key, (options as Record<string, unknown>)[key], `no \`${key}\` in ${where}: it belongs to one enqueue call, not to defaults`);
    }
    if (!KNOWN_OPTIONS.has(key)) {
      throw new InvalidOptionError(key, (options as Record<string, unknown>)[key], `${knownOptionsExpected(where)}; \`${key}\` is not one`);
    }
  }
}

/** The start of the message for an unknown option (the inbox script states the same text). */
export function knownOptionsExpected(where: string): string {
  return `one of the known ${where} options (${[...KNOWN_OPTIONS].join(', ')})`;
}

/** A dependency as given: an id (its queue looked up later) or a handle's id and queue. */
export interface GivenDependency {
  id: string;
  queue: string | undefined;
}

export interface ParsedDependencies {
  refs: readonly GivenDependency[];
  allowFailure: boolean;
  atFront: boolean;
}

/** What parseDependsOn returns for a job without dependencies (nearly every job): nothing built per job. */
const NO_DEPS: ParsedDependencies = Object.freeze({ refs: Object.freeze([]), allowFailure: false, atFront: false });

/** Normalises `dependsOn` into refs, and the allowFailure and atFront it asks for. */
export function parseDependsOn(options: EnqueueOptions): ParsedDependencies {
  const d = options.dependsOn;
  if (d === undefined) return NO_DEPS;
  let list: DependencyRef[];
  let allowFailure = false;
  let atFront = false;
  if (Array.isArray(d)) list = d;
  else if (isPlainObject(d) && 'jobs' in d) {
    for (const k of Object.keys(d)) {
      if (k !== 'jobs' && k !== 'allowFailure' && k !== 'atFront') throw new InvalidOptionError(`dependsOn.${k}`, (d as Record<string, unknown>)[k], 'only `jobs`, `allowFailure` and `atFront`');
    }
    const spec = d as { jobs: DependencyRef | DependencyRef[]; allowFailure?: unknown; atFront?: unknown };
    list = Array.isArray(spec.jobs) ? spec.jobs : [spec.jobs];
    if (spec.allowFailure !== undefined && typeof spec.allowFailure !== 'boolean') throw new InvalidOptionError('dependsOn.allowFailure', spec.allowFailure, 'true or false');
    if (spec.atFront !== undefined && typeof spec.atFront !== 'boolean') throw new InvalidOptionError('dependsOn.atFront', spec.atFront, 'true or false');
    allowFailure = spec.allowFailure ?? false;
    atFront = spec.atFront ?? false;
  } else list = [d as DependencyRef];
  if (list.length > 10_000) throw new InvalidOptionError('dependsOn', `${list.length} jobs`, 'at most 10,000 dependencies per job');
  return { refs: list.map(givenDependency), allowFailure, atFront };
}

function givenDependency(ref: unknown, i: number): GivenDependency {
  const where = `dependsOn[${i}]`;
  if (typeof ref === 'string') {
    assertJobId(ref, where);
    return { id: ref, queue: undefined };
  }
  if (ref !== null && typeof ref === 'object' && typeof (ref as { id?: unknown }).id === 'string' && typeof (ref as { queue?: unknown }).queue === 'string') {
    const r = ref as { id: string; queue: string };
    assertJobId(r.id, `${where}.id`);
    assertQueueName(r.queue, `${where}.queue`);
    return { id: r.id, queue: r.queue };
  }
  throw new InvalidOptionError(where, ref, 'a JobHandle or a job id');
}
