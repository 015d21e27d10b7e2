// The engine reads its Lua scripts next to its compiled JavaScript (src/core/scripts.ts): copy them into the output.
// Usage: node scripts/copy-lua.mjs [outDir]   (default dist/core/scripts)
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export function copyLua(outDir) {
  const from = new URL('../src/core/scripts/', import.meta.url);
  mkdirSync(outDir, { recursive: true });
  for (const f of readdirSync(from)) if (f.endsWith('.lua')) cpSync(new URL(f, from), join(outDir, f));
}

if (import.meta.url === `file://${process.argv[1]}`) copyLua(process.argv[2] ?? 'dist/core/scripts');
