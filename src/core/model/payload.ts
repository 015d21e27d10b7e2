import { PayloadNotSerializableError } from './errors.js';

const OPAQUE = [Map, Set, WeakMap, WeakSet, Promise] as const;

/**
 * JSON-encodes a job payload, refusing what JSON would silently change or drop: functions, symbols, BigInt,
 * NaN/Infinity, cycles, Map/Set/Promise. '' stands for `undefined` (no data).
 */
export function encodeJson(value: unknown, what: string | (() => string)): string {
  checkJson(value, what);
  if (value === undefined) return '';
  try {
    return JSON.stringify(value);
  } catch (err) {
    // what only encoding finds: a toJSON that returns a BigInt or a cycle, or throws
    throw notSerialisable(what, `encoding it threw ${String(err)}`);
  }
}

/** Containers nested deeper than this are refused: JSON.stringify and the walks here recurse, and would overflow. */
export const MAX_JSON_DEPTH = 1000;

function notSerialisable(what: string | (() => string), problem: string): PayloadNotSerializableError {
  // `what` may be a function so that the hot path does not build an error label it almost never needs
  return new PayloadNotSerializableError(
    `${typeof what === 'function' ? what() : what} is not JSON-serialisable: ${problem}. Pass plain JSON data (objects, arrays, strings, finite numbers, booleans, null).`,
  );
}

let sawToJSON = false;

/**
 * Throws what encodeJson would throw for `value`, without encoding it. Returns false when only encoding it can tell
 * (it has a toJSON method, or is nested too deep for the quick check): encode such a value at once.
 */
export function checkJson(value: unknown, what: string | (() => string)): boolean {
  if (value === undefined) return true;
  sawToJSON = false;
  // the quick check builds no path strings; only a payload that fails it is walked again to name the problem
  if (isPlainJson(value, 0)) return !sawToJSON;
  const problem = findProblem(value, '$', new Set(), 0);
  if (problem) throw notSerialisable(what, problem);
  return false;
}

export function decodeJson(text: string | null | undefined): unknown {
  if (text === null || text === undefined || text === '') return undefined;
  return JSON.parse(text);
}

/**
 * Payloads nested deeper than this are left to findProblem (which keeps a Set of the objects on its path). The quick
 * check keeps no path at all (no array per call): a cycle just runs it down to this depth.
 */
const MAX_QUICK_DEPTH = 64;

/** True when JSON.stringify keeps `value` exactly (the common case); false when it may not (see findProblem). */
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth === MAX_QUICK_DEPTH) return false;
  const obj = value as object;
  if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
    sawToJSON = true;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(obj);
  // a plain object or array cannot be a Map, Set...: skip the instanceof tests for them
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) {
    for (const T of OPAQUE) if (obj instanceof T) return false;
  }
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) if (!isPlainJson(obj[i], depth + 1)) return false;
  } else {
    for (const key in obj) {
      if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
      if (!isPlainJson((obj as Record<string, unknown>)[key], depth + 1)) return false;
    }
  }
  return true;
}

function findProblem(value: unknown, path: string, seen: Set<object>, depth: number): string | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : `${path} is ${value}`;
    case 'undefined':
      return null;
    case 'bigint':
      return `${path} is a BigInt (convert it to a string)`;
    case 'function':
      return `${path} is a function`;
    case 'symbol':
      return `${path} is a symbol`;
  }
  if (value === null) return null;
  const obj = value as object;
  if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') return null;
  for (const T of OPAQUE) {
    if (obj instanceof T) return `${path} is a ${T.name} (convert it to an array or object)`;
  }
  if (seen.has(obj)) return `${path} is a circular reference`;
  if (depth === MAX_JSON_DEPTH) return `it nests containers more than ${MAX_JSON_DEPTH} levels deep`;
  seen.add(obj);
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) {
      const p = findProblem(obj[i], `${path}[${i}]`, seen, depth + 1);
      if (p) return p;
    }
  } else {
    for (const key of Object.keys(obj)) {
      const p = findProblem((obj as Record<string, unknown>)[key], `${path}.${key}`, seen, depth + 1);
      if (p) return p;
    }
  }
  seen.delete(obj);
  return null;
}
