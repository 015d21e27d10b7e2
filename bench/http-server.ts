// The HTTP API under test, in a process of its own (bench/http.ts drives it): a producer-only Nest app on Express with
// QueueModule and QueueHttpModule. Prints its port on stdout, then serves until killed.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { QueueHttpModule, QueueModule } from '../src/index.js';

const [url, key] = process.argv.slice(2) as [string, string];

@Module({
  imports: [
    QueueModule.forRoot({ connection: url, prefix: 'bench-http', strictJobNames: false, noWorkerWarning: false }),
    QueueHttpModule.forRoot({ apiKeys: [key], maxBatch: 1000, maxBodySize: 4 * 1024 * 1024 }),
  ],
})
class BenchHttpModule {}

const app = await NestFactory.create<NestExpressApplication>(BenchHttpModule, { logger: ['error'] });
// Express parses at most 100 kB by default; a batch of 1,000 jobs of ~100 bytes is ~120 kB
app.useBodyParser('json', { limit: '4mb' });
await app.listen(0, '127.0.0.1');
process.stdout.write(`${(app.getHttpServer().address() as AddressInfo).port}\n`);
// a clean exit on SIGTERM, so that --cpu-prof (BENCH_SERVER_NODE_ARGS) writes its profile
process.on('SIGTERM', () => void app.close().finally(() => process.exit(0)));
