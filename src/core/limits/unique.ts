import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { MAX_TTL_MS, toMs } from '../model/duration.js';
import { InvalidOptionError } from '../model/errors.js';
import { isPlainObject } from '../model/plain-object.js';

/** A job's `unique` option, checked: its own key (null: the default, from its name and data) and longest hold (ms). */
export interface UniqueSpec {
  key: string | null;
  ttlMs: number | null;
}

/** The longest key of one's own, in characters: it becomes part of a Redis key. */
export const MAX_UNIQUE_KEY_LENGTH = 512;

/** What `unique` may be, as its error says (the inbox script states the same text). */
export const UNIQUE_EXPECTED = `true, false, or { key?: a non-empty string of at most ${MAX_UNIQUE_KEY_LENGTH} characters, ttl?: a Duration }`;

/** What `unique.key` may be. */
export const UNIQUE_KEY_EXPECTED = `a non-empty, well-formed string of at most ${MAX_UNIQUE_KEY_LENGTH} characters`;

/** The rules of `unique.ttl`. */
export const UNIQUE_TTL_RULES = { max: MAX_TTL_MS } as const;

/** Checks `unique`; null when the job is not unique. */
export function parseUnique(value: unknown): UniqueSpec | null {
  if (value === undefined || value === false) return null;
  if (value === true) return { key: null, ttlMs: null };
  if (!isPlainObject(value)) throw new InvalidOptionError('unique', value, UNIQUE_EXPECTED);
  for (const k of Object.keys(value)) {
    if (k !== 'key' && k !== 'ttl') throw new InvalidOptionError('unique', value, `${UNIQUE_EXPECTED}; \`${k}\` is not one of its fields`);
  }
  const { key, ttl } = value as { key?: unknown; ttl?: unknown };
  if (key !== undefined && (typeof key !== 'string' || key === '' || key.length > MAX_UNIQUE_KEY_LENGTH || !key.isWellFormed())) {
    throw new InvalidOptionError('unique.key', key, UNIQUE_KEY_EXPECTED);
  }
  return { key: key ?? null, ttlMs: ttl === undefined ? null : toMs('unique.ttl', ttl, UNIQUE_TTL_RULES) };
}

/**
 * The stored unique key of a job (the part after `unique:` of QueueKeys.unique): 'k:' and its own key, or 'd:' and a
 * SHA-256 of its name and the canonical JSON (RFC 8785: keys sorted) of its data, so `{a,b}` and `{b,a}` are one key
 * and a key stays short whatever the data's size. `dataJson` is the data as stored ('' for none).
 */
export function uniqueKey(unique: UniqueSpec, name: string, dataJson: string): string {
  if (unique.key !== null) return `k:${unique.key}`;
  const canonical = canonicalize([name, dataJson === '' ? null : (JSON.parse(dataJson) as unknown)]) ?? '';
  return `d:${createHash('sha256').update(canonical).digest('base64url')}`;
}
