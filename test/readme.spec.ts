import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { AppModule, Signups } from '../examples/quick-start/app.module.js';

// The README's Quick start is the two files of examples/quick-start, which `npm test` type-checks: it compiles as
// written, and it runs.
describe('README quick start', () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1));
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

  it('shows examples/quick-start/app.module.ts and main.ts exactly', () => {
    expect(blocks).toEqual([readFileSync('examples/quick-start/app.module.ts', 'utf8'), readFileSync('examples/quick-start/main.ts', 'utf8')]);
  });

  it('runs: a provider enqueues through the injected QueueService and the consumer runs the job', async () => {
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    try {
      expect(await app.get(Signups).signUp('ann@example.com')).toBe('welcome-ann@example.com');
    } finally {
      await app.close();
    }
  });
});
