import { InvalidProgressError } from './errors.js';
import { isPlainObject } from './plain-object.js';
import { encodeJson } from './payload.js';

/** The largest progress value, as JSON, in bytes (UTF-8): it is written to Redis on each report. */
export const MAX_PROGRESS_BYTES = 64 * 1024;

const EXPECTED = `a finite number, or a plain JSON object of at most ${MAX_PROGRESS_BYTES} bytes as JSON`;

/** Checks a value given to ctx.progress and returns it as JSON; InvalidProgressError when it cannot be stored. */
export function encodeProgress(value: unknown): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidProgressError(value, EXPECTED);
    return JSON.stringify(value);
  }
  if (!isPlainObject(value)) throw new InvalidProgressError(value, EXPECTED);
  let json: string;
  try {
    json = encodeJson(value, 'progress');
  } catch (err) {
    throw new InvalidProgressError(value, `${EXPECTED} (${err instanceof Error ? err.message : String(err)})`);
  }
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_PROGRESS_BYTES) throw new InvalidProgressError(value, `${EXPECTED}; it is ${bytes} bytes`);
  return json;
}
