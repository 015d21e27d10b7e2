// The engine reads its Lua scripts (and their lib/ includes) next to its compiled JavaScript
// (src/core/redis/scripts.ts reads them relative to itself), and tsc copies only TypeScript output: copy them.
// Usage: node scripts/copy-lua.mjs [outDir]   (default dist/core/redis/scripts)
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const LUA_SOURCE = fileURLToPath(new URL('../src/core/redis/scripts/', import.meta.url));

export function copyLua(outDir) {
  cpSync(LUA_SOURCE, outDir, { recursive: true, filter: (src) => !/\.\w+$/.test(src) || src.endsWith('.lua') });
}

if (import.meta.url === `file://${process.argv[1]}`) copyLua(process.argv[2] ?? 'dist/core/redis/scripts');
