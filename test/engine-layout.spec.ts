import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueueService } from '../src/index.js';
import { SCRIPT_NAMES, scriptSource } from '../src/core/redis/scripts.js';

// The engine's shape, guarded: what the Nest face exposes, what the faces import, what every script declares.
describe('engine layout', () => {
  it('QueueService exposes exactly the contract and its deliberate additions, nothing of the engine', () => {
    const members = Object.getOwnPropertyNames(QueueService.prototype).filter((m) => m !== 'constructor').sort();
    expect(members).toEqual([
      'countJobs',
      'enqueue',
      'enqueueMany',
      'getJob',
      'getJobIds',
      'getQueues',
      'getSchedules',
      'job',
      'onApplicationShutdown',
      'removeSchedule',
      'stopJob',
      'upsertSchedule',
    ]);
  });

  it('a face imports the engine only through src/core/index.ts', () => {
    const faces = readdirSync('src', { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'core');
    const offending: string[] = [];
    for (const face of faces) {
      for (const file of readdirSync(join('src', face.name), { recursive: true }) as string[]) {
        if (!file.endsWith('.ts')) continue;
        const text = readFileSync(join('src', face.name, file), 'utf8');
        for (const m of text.matchAll(/from '([^']*core\/[^']*)'/g)) if (!m[1]!.endsWith('core/index.js')) offending.push(`${face.name}/${file}: ${m[1]}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('every script is assembled with its queue keys in KEYS (meta first) and no name left unresolved', () => {
    for (const name of SCRIPT_NAMES) {
      const lua = scriptSource(name);
      // K.<key> and the stored-names constants are written in by the loader; anything left would be nil at run time
      expect({ name, left: lua.match(/\bK\.\w+|\b(?:F|OPT|DEP|REPLY|OUTCOME|DEFAULT|M|S)_[A-Z0-9_]+\b/g) }).toEqual({ name, left: null });
      expect({ name, first: /^-- KEYS: (\S+)/m.exec(readFileSync(`src/core/redis/scripts/${name}.lua`, 'utf8'))?.[1] }).toEqual({ name, first: 'meta' });
    }
  });
});
