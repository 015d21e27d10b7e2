import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueueService } from '../src/index.js';
import { INDEX_SCRIPT_NAMES, SCRIPT_NAMES, scriptKeys, scriptSource } from '../src/core/redis/scripts.js';

// The engine's shape, guarded: what the Nest face exposes, what the faces import, what every script declares.
describe('engine layout', () => {
  it('QueueService exposes exactly the contract and its deliberate additions, nothing of the engine', () => {
    const members = Object.getOwnPropertyNames(QueueService.prototype).filter((m) => m !== 'constructor').sort();
    expect(members).toEqual([
      'countJobs',
      'deleteAll',
      'deleteJobs',
      'deleteQueue',
      'emptyQueue',
      'enqueue',
      'enqueueMany',
      'getGroups',
      'getJob',
      'getJobIds',
      'getQueueSummaries',
      'getQueues',
      'getSchedules',
      'getWorkers',
      'job',
      'listJobs',
      'onApplicationShutdown',
      'pauseQueue',
      'removeSchedule',
      'requeueAll',
      'requeueJobs',
      'resumeQueue',
      'runSchedule',
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

  it("a face imports no other face but the Nest one (serve mounts the faces through src/mounts.ts's list)", () => {
    const faces = readdirSync('src', { withFileTypes: true }).filter((d) => d.isDirectory() && !['core', 'nest', 'types'].includes(d.name)).map((d) => d.name);
    const offending: string[] = [];
    for (const face of faces) {
      for (const file of readdirSync(join('src', face), { recursive: true }) as string[]) {
        if (!file.endsWith('.ts')) continue;
        const text = readFileSync(join('src', face, file), 'utf8');
        for (const m of text.matchAll(/from '((?:\.\.\/)+)([a-z]+)\//g)) if (faces.includes(m[2]!) && m[2] !== face) offending.push(`${face}/${file}: ${m[1]}${m[2]}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('every script is assembled with its queue keys in KEYS (meta first) and no name left unresolved', () => {
    for (const name of SCRIPT_NAMES) {
      const lua = scriptSource(name);
      // K.<key> and the stored-names constants are written in by the loader; anything left would be nil at run time
      expect({ name, left: lua.match(/\bK\.\w+|\b(?:F|OPT|DEP|REPLY|OUTCOME|DEFAULT|M|S|EXPECTED|DURATION|INBOX|STAT|STATS)_[A-Z0-9_]+\b/g) }).toEqual({ name, left: null });
      expect({ name, first: /^-- KEYS: (\S+)/m.exec(readFileSync(`src/core/redis/scripts/${name}.lua`, 'utf8'))?.[1] }).toEqual({ name, first: 'meta' });
      // the fence last (so Redis Cluster refuses the script while the queue's slot migrates), and sharded pub/sub in
      // the text run on a cluster
      expect({ name, last: scriptKeys(name).at(-1) }).toEqual({ name, last: 'fence' });
      expect({ name, publish: /redis\.call\('PUBLISH'/.test(scriptSource(name, true)), spublish: /SPUBLISH/.test(scriptSource(name)) }).toEqual({ name, publish: false, spublish: false });
    }
    for (const name of INDEX_SCRIPT_NAMES) {
      expect({ name, left: scriptSource(name).match(/\bK\.\w+|\b(?:F|OPT|DEP|REPLY|OUTCOME|DEFAULT)_[A-Z0-9_]+\b/g), keys: scriptKeys(name) }).toEqual({ name, left: null, keys: ['ids'] });
    }
    // the scripts that publish do so through SPUBLISH on a cluster
    expect(SCRIPT_NAMES.filter((n) => /SPUBLISH/.test(scriptSource(n, true))).sort()).toEqual(['bulk', 'cancel', 'delete', 'deliver', 'enqueue', 'ingest', 'reclaim', 'stop', 'work']);
  });
});
