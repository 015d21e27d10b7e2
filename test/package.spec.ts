import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { onCluster, redisUrl, uniquePrefix } from './helpers.js';

// The package as npm publishes it (the global setup built dist/): packed with `npm pack`, unpacked as a consumer's
// node_modules/jobline under .tmp/ (so its own dependencies resolve from this repository's node_modules), and loaded
// the way users load it, CommonJS included.
describe('the published package', () => {
  const root = resolve('.tmp', `package-${randomBytes(3).toString('hex')}`);
  const unpacked = join(root, 'node_modules', 'jobline');
  let files: string[] = [];

  beforeAll(() => {
    mkdirSync(unpacked, { recursive: true });
    // a package of its own, so that `jobline` resolves to the unpacked copy, not to this repository by self-reference
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    // the app runs from the consumer's folder: a module resolves packages from where it lives
    copyFileSync('test/fixtures/cjs-app.cjs', join(root, 'app.cjs'));
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', root], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const [packed] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
    files = packed!.files.map((f) => f.path);
    execFileSync('tar', ['-xzf', join(root, packed!.filename), '-C', unpacked, '--strip-components=1']);
  }, 60_000);

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('ships the build, the README and the LICENSE, and no source map that points at a file it does not ship', () => {
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts']));
    const shipped = new Set(files);
    const dangling: string[] = [];
    for (const file of files.filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))) {
      const ref = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(unpacked, file), 'utf8'))?.[1];
      if (ref && !shipped.has(join(dirname(file), ref))) dangling.push(`${file} -> ${ref}`);
    }
    for (const map of files.filter((f) => f.endsWith('.map'))) {
      const { sources } = JSON.parse(readFileSync(join(unpacked, map), 'utf8')) as { sources: string[] };
      for (const s of sources) if (!shipped.has(join(dirname(map), s))) dangling.push(`${map} -> ${s}`);
    }
    expect(dangling).toEqual([]);
    // every engine script travels with the build (the engine reads them beside its JavaScript)
    expect(files.filter((f) => f.endsWith('.lua')).length).toBeGreaterThan(10);
  });

  it('declares no type of an optional peer, so an application without it type-checks the declarations', () => {
    const pkg = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as { peerDependenciesMeta: Record<string, { optional?: boolean }> };
    const optional = Object.keys(pkg.peerDependenciesMeta).filter((p) => pkg.peerDependenciesMeta[p]!.optional);
    expect(optional).toEqual(expect.arrayContaining(['@opentelemetry/api', 'prom-client', '@nestjs/terminus']));
    const naming: string[] = [];
    for (const file of files.filter((f) => f.endsWith('.d.ts'))) {
      const text = readFileSync(join(unpacked, file), 'utf8');
      for (const peer of optional) if (text.includes(`from '${peer}'`) || text.includes(`import("${peer}")`) || text.includes(`import('${peer}')`)) naming.push(`${file}: ${peer}`);
    }
    expect(naming).toEqual([]);
  });

  it('loads with require() from a CommonJS module', () => {
    const out = execFileSync(process.execPath, ['-e', "const j = require('jobline'); console.log(typeof j.QueueModule, typeof j.QueueService, typeof j.Job)"], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('function function function');
    expect(existsSync(join(unpacked, 'dist', 'index.js'))).toBe(true);
  });

  it('runs in a CommonJS NestJS application: enqueues a job and its consumer runs it', () => {
    const out = execFileSync(process.execPath, [join(root, 'app.cjs')], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ...(onCluster() ? {} : { REDIS_URL: redisUrl() }), PREFIX: uniquePrefix('cjs') },
      timeout: 60_000,
    });
    expect(out).toContain('result {"text":"hello commonjs","queue":"default"}');
  });
});
