import { InvalidOptionError } from './errors.js';

/**
 * Checks that `options` is an object whose keys are all in `known`, so a typo (`conection`) is an error naming the
 * option, the known ones and the likely one meant, instead of an option silently ignored (and a default used).
 */
export function assertKnownKeys(options: unknown, where: string, known: readonly string[]): asserts options is object {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidOptionError(where, options, `an object with some of: ${known.join(', ')}`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = closest(key, known);
    throw new InvalidOptionError(
      key,
      (options as Record<string, unknown>)[key],
      `one of ${known.join(', ')} (the ${where} options); \`${key}\` is not one` + (near ? ` (did you mean \`${near}\`?)` : ''),
    );
  }
}

/** The known name within two edits of `key` (a typo), if exactly one is nearest. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance (option names are short: a plain table is fine). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
