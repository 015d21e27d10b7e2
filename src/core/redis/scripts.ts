import { readFileSync } from 'node:fs';
import { DEFAULTS } from '../model/defaults.js';
import { RedisOutOfMemoryError } from '../model/errors.js';
import { isCluster, type RedisClient } from './connection.js';
import type { QueueKeys } from './keys.js';
import { inboxLuaConstants } from './inbox-format.js';
import { ensureServer, serverChecked } from './server-check.js';
import { luaConstants } from './stored-names.js';

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
  'set-progress',
  'set-error',
  'outbox-claim',
  'deliver',
  'claim',
  'promote',
  'schedule-upsert',
  'schedule-remove',
  'schedule-fire',
  'schedule-run',
  'stream-add',
  'pause',
  'bulk',
  'queue-flow',
  'ingest',
  'id-fence',
  'id-unfence',
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

/**
 * Scripts of the caller-chosen id index (job-id-index.ts): each takes one bucket of the index (`-- KEYS: ids`) and
 * touches nothing else, so it needs neither a queue nor the fence.
 */
export const INDEX_SCRIPT_NAMES = ['id-reserve', 'id-takeover', 'id-commit', 'id-forget'] as const;
export type IndexScriptName = (typeof INDEX_SCRIPT_NAMES)[number];

/**
 * The key every queue script declares last and nothing ever writes (QueueKeys.fence). While a queue's slot migrates
 * between cluster nodes, Redis refuses a multi-key script with a declared key missing (TRYAGAIN, ASK then TRYAGAIN on
 * the target), so no script of the queue runs until the migration ends: a script that ran meanwhile could find some
 * job hashes it touches (not declared: their ids are known only inside it) already moved ("non local key" error after
 * its first writes, on the source) or not yet moved (read as missing, and created anew, on the target).
 */
const FENCE = 'fence';

/**
 * Every script replies with an array whose first value is its queue's outbox length (0 where the script never writes
 * to the outbox): a caller that sees more than 0 delivers it (outbox.ts). The script's own answer follows.
 */
export type ScriptReply = [outbox: number, ...answer: unknown[]];

/**
 * Constants the scripts name and the loader writes in as literals (stored-names.ts: a constant in a Lua local would
 * be captured by every helper that uses it, and Redis builds every helper's closure again on each call).
 */
const CONSTANTS: Record<string, string> = {
  ...luaConstants(),
  ...inboxLuaConstants(),
  DEFAULT_TIMEOUT_MS: String(DEFAULTS.TIMEOUT_MS),
  DEFAULT_RESULT_TTL_MS: String(DEFAULTS.RESULT_TTL_MS),
  DEFAULT_FAILURE_TTL_MS: String(DEFAULTS.FAILURE_TTL_MS),
  DEFAULT_MAX_ATTEMPTS: String(DEFAULTS.MAX_ATTEMPTS),
  DEFAULT_ID_FENCE_TTL_MS: String(DEFAULTS.ID_FENCE_TTL_MS),
  DEFAULT_ID_RESERVATION_STALE_MS: String(DEFAULTS.ID_RESERVATION_STALE_MS),
};
const CONSTANT = /\b(?:(?:F|OPT|DEP|REPLY|OUTCOME|DEFAULT|M|S|EXPECTED|DURATION|INBOX|STAT|STATS)_[A-Z0-9_]+|DATA_FIELDS|WORKER_OPTION_FIELDS|STORED_OPTION_FIELDS)\b/g;

const dir = new URL('./scripts/', import.meta.url);

interface Source {
  text: string;
  /** `-- KEYS: a b c`: the keys a script declares, or those an include needs the including script to declare */
  keys: string[];
  /** `-- @include a b` */
  includes: string[];
}

function parse(text: string): Source {
  const keys = /^-- KEYS: (.+)$/m.exec(text)?.[1]?.trim().split(/\s+/) ?? [];
  const includes = [...text.matchAll(/^-- @include (.+)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/));
  return { text, keys, includes };
}

const libs = new Map<string, Source>();
function lib(name: string): Source {
  let src = libs.get(name);
  if (!src) {
    src = parse(readFileSync(new URL(`lib/${name}.lua`, dir), 'utf8'));
    libs.set(name, src);
  }
  return src;
}

/**
 * A script as Redis runs it: each include it uses (and theirs) once, in dependency order, then its own text, with its
 * declared keys and the named constants written in. A script names a declared key as `K.<name>` (KEYS[i] once
 * assembled), or `key(name)` where the name is only known at run time. Throws at load when a script or an include
 * uses a key the script does not declare, so a key a script touches is always one Redis Cluster can route (DESIGN
 * rule 7), or names a constant stored-names.ts does not define.
 */
function assemble(name: ScriptName | IndexScriptName): Assembled {
  const own = parse(readFileSync(new URL(`${name}.lua`, dir), 'utf8'));
  const index = (INDEX_SCRIPT_NAMES as readonly string[]).includes(name);
  if (index && own.keys.join(' ') !== 'ids') throw new Error(`${name}.lua: an index script declares exactly one key, ids (a bucket of the id index)`);
  if (!index && own.keys[0] !== 'meta') throw new Error(`${name}.lua: its first declared key must be meta (a key that exists where the queue lives)`);
  if (own.keys.includes(FENCE)) throw new Error(`${name}.lua declares ${FENCE}: the loader adds it to every queue script`);
  if (!index) own.keys.push(FENCE);
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (inc: string, from: string) => {
    if (seen.has(inc)) return;
    seen.add(inc);
    const src = lib(inc);
    for (const k of src.keys) {
      if (!own.keys.includes(k)) throw new Error(`${name}.lua includes ${inc} (through ${from}), which uses key ${k}: declare it in the script's KEYS line`);
    }
    for (const sub of src.includes) visit(sub, inc);
    order.push(inc);
  };
  for (const inc of own.includes) visit(inc, `${name}.lua`);
  // a script that counts ends (lib/stats.lua, also through closing or delete) writes them once, at its end
  if (seen.has('stats') && !/\bflush_ends\(/.test(own.text.replace(/--[^\n]*/g, ''))) throw new Error(`${name}.lua includes stats: call flush_ends(now) before it returns, or the ends it counts are lost`);
  let lua = [...order.map((inc) => lib(inc).text), own.text].join('\n');
  if (/\bkey\(/.test(lua)) {
    // made on first use: most calls never look a key up by a name known only at run time
    const index = own.keys.map((k, i) => `${k} = ${i + 1}`).join(', ');
    lua = `local KEY_INDEX\nlocal function key(name)\n  KEY_INDEX = KEY_INDEX or { ${index} }\n  return KEYS[KEY_INDEX[name]]\nend\n${lua}`;
  }
  lua = lua
    .replace(/\bK\.(\w+)/g, (_, k: string) => {
      const i = own.keys.indexOf(k);
      if (i < 0) throw new Error(`${name}.lua (or an include) uses K.${k}: declare ${k} in the script's KEYS line`);
      return `KEYS[${i + 1}]`;
    })
    .replace(CONSTANT, (c) => {
      const v = CONSTANTS[c];
      if (v === undefined) throw new Error(`${name}.lua (or an include) names ${c}, which stored-names.ts does not define`);
      return v;
    });
  // per-queue channels are sharded pub/sub on a cluster (the queue's own master carries them, DESIGN rule 7); Redis
  // before 7.0 has no SPUBLISH, so one Redis keeps PUBLISH. Two texts made once here: no per-call cost or flag.
  const clusterLua = lua.replace(/redis\.call\('PUBLISH', /g, "redis.call('SPUBLISH', ");
  return { lua, clusterLua, keys: own.keys };
}

interface Assembled {
  lua: string;
  /** the text run on a Redis Cluster */
  clusterLua: string;
  keys: string[];
}

const SCRIPTS = new Map<ScriptName | IndexScriptName, Assembled>([...SCRIPT_NAMES, ...INDEX_SCRIPT_NAMES].map((name) => [name, assemble(name)]));

type ScriptFn = (...keysAndArgs: (string | number)[]) => Promise<ScriptReply>;
const installed = new WeakSet<RedisClient>();

function commandName(name: ScriptName | IndexScriptName): string {
  return `jl_${name.replaceAll('-', '_')}`;
}

/** Registers every script on a connection (ioredis then uses EVALSHA, falling back to EVAL after a flush). */
function install(redis: RedisClient): void {
  if (installed.has(redis)) return;
  const cluster = isCluster(redis);
  for (const [name, s] of SCRIPTS) redis.defineCommand(commandName(name), { lua: cluster ? s.clusterLua : s.lua, numberOfKeys: s.keys.length });
  installed.add(redis);
}

/**
 * The declared keys of each script, made once per queue (or per object of call-named keys, which callers on the hot
 * path keep and pass again).
 */
const resolved = new WeakMap<object, Map<ScriptName, string[]>>();

function keysFor(name: ScriptName, q: QueueKeys, dynamic: Record<string, string> | undefined): string[] {
  const owner: object = dynamic ?? q;
  let byScript = resolved.get(owner);
  if (!byScript) resolved.set(owner, (byScript = new Map()));
  let keys = byScript.get(name);
  if (!keys) byScript.set(name, (keys = resolveKeys(name, q, dynamic)));
  return keys;
}

function resolveKeys(name: ScriptName, q: QueueKeys, dynamic: Record<string, string> | undefined): string[] {
  return SCRIPTS.get(name)!.keys.map((k) => {
    const key = dynamic?.[k] ?? (q as unknown as Record<string, unknown>)[k];
    if (typeof key !== 'string') throw new Error(`${name}.lua declares key ${k}, which QueueKeys does not have and the call did not give`);
    return key;
  });
}

/**
 * Runs one script on the queue of `q`, after a one-time check that the server can run it. `dynamic` gives the
 * declared keys that are named by the call (a worker's held set): an object of one queue, kept by the caller. Once the check has passed the command is sent
 * synchronously, so calls made one after another (enqueue's chunks) go out at once and in order.
 */
export function runScript(redis: RedisClient, name: ScriptName, q: QueueKeys, args: (string | number)[], dynamic?: Record<string, string>): Promise<ScriptReply> {
  return send(redis, name, keysFor(name, q, dynamic), args);
}

/** Runs one script of the id index on the bucket `key` (job-id-index.ts). */
export function runIndexScript(redis: RedisClient, name: IndexScriptName, key: string, args: (string | number)[]): Promise<unknown[]> {
  return send(redis, name, [key], args);
}

function send(redis: RedisClient, name: ScriptName | IndexScriptName, keys: string[], args: (string | number)[]): Promise<ScriptReply> {
  install(redis);
  const fn = (redis as unknown as Record<string, ScriptFn>)[commandName(name)]!;
  if (serverChecked(redis)) return fn.call(redis, ...keys, ...args).catch(namedRedisError);
  return ensureServer(redis).then(() => fn.call(redis, ...keys, ...args).catch(namedRedisError));
}

/** Rethrows a Redis refusal Jobline can name (out of memory) as its JoblineError; any other error as it is. */
export function namedRedisError(err: unknown): never {
  if (err instanceof Error && err.message.startsWith('OOM ')) throw new RedisOutOfMemoryError(err.message);
  throw err;
}

/** The Lua source of a script as Redis runs it (for tests that check what the loader assembles). */
export function scriptSource(name: ScriptName | IndexScriptName, cluster = false): string {
  const s = SCRIPTS.get(name)!;
  return cluster ? s.clusterLua : s.lua;
}

/** The keys a script declares, in KEYS order (the fence last for a queue script). */
export function scriptKeys(name: ScriptName | IndexScriptName): readonly string[] {
  return SCRIPTS.get(name)!.keys;
}
