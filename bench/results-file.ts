import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Scale } from './config.js';
import type { Environment } from './environment.js';
import { RESULTS_DIR } from './paths.js';
import type { FloorShare, ScenarioResult } from './summary.js';

export interface ResultsFile {
  generatedAt: string;
  command: string;
  scale: Scale;
  payloadBytes: number;
  environment: Environment;
  scenarios: ScenarioResult[];
  floorShares: FloorShare[];
  checks: { failed: string[] };
  table: string;
}

/**
 * Only a complete full-scale run may replace latest.json, the file the README quotes (and git keeps); quick and
 * partial runs get their own names, which .gitignore leaves out.
 */
export function resultsFileName(scale: Scale, complete: boolean): string {
  if (!complete) return 'latest-partial.json';
  return scale.name === 'full' ? 'latest.json' : 'latest-quick.json';
}

/** Writes the results and returns the path written. */
export function writeResults(name: string, results: ResultsFile): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const url = new URL(name, RESULTS_DIR);
  writeFileSync(url, `${JSON.stringify(results, null, 2)}\n`);
  return fileURLToPath(url);
}
