/** The repository root. This file runs compiled as .build/bench/paths.js, two levels below it. */
export const ROOT = new URL('../../', import.meta.url);

export const RESULTS_DIR = new URL('bench/results/', ROOT);
