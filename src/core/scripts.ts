import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { DEFAULTS } from './defaults.js';
import { ensureRedisVersion, redisVersionPassed } from './redis-version.js';

/** The Lua scripts, one per state change, each in its own file under ./scripts (see each file's header). */
export const SCRIPT_NAMES = [
  'enqueue',
  'work',
  'renew',
  'reclaim',
  'cancel',
  'requeue',
  'delete',
  'stop',
  'watch',
  'set-meta',
  'set-error',
  'outbox-claim',
  'deliver',
  'claim',
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

const dir = new URL('./scripts/', import.meta.url);
const preamble =
  [
    `local DEFAULT_RESULT_TTL_MS = ${DEFAULTS.RESULT_TTL_MS}`,
    `local DEFAULT_FAILURE_TTL_MS = ${DEFAULTS.FAILURE_TTL_MS}`,
    `local DEFAULT_MAX_ATTEMPTS = ${DEFAULTS.MAX_ATTEMPTS}`,
  ].join('\n') +
  '\n' +
  readFileSync(new URL('lib.lua', dir), 'utf8');

const sources = new Map<ScriptName, string>(
  SCRIPT_NAMES.map((name) => [name, `${preamble}\n${readFileSync(new URL(`${name}.lua`, dir), 'utf8')}`]),
);

type ScriptFn = (key: string, ...args: (string | number)[]) => Promise<unknown>;
const installed = new WeakSet<Redis>();

/** Registers every script on a connection (ioredis then uses EVALSHA, falling back to EVAL after a flush). */
export function installScripts(redis: Redis): void {
  if (installed.has(redis)) return;
  for (const [name, lua] of sources) redis.defineCommand(commandName(name), { lua, numberOfKeys: 1 });
  installed.add(redis);
}

function commandName(name: ScriptName): string {
  return `jl_${name.replaceAll('-', '_')}`;
}

/**
 * Runs one script on the queue whose key base is `base`, after a one-time check that the server can run it. Once
 * that has passed the command is sent synchronously, so calls made one after another (enqueue's chunks) go out at
 * once and in order while the caller goes on.
 */
export function runScript(redis: Redis, name: ScriptName, base: string, args: (string | number)[]): Promise<unknown> {
  installScripts(redis);
  const fn = (redis as unknown as Record<string, ScriptFn>)[commandName(name)]!;
  if (redisVersionPassed(redis)) return fn.call(redis, base, ...args);
  return ensureRedisVersion(redis).then(() => fn.call(redis, base, ...args));
}
