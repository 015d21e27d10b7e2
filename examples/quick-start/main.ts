import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule, Signups } from './app.module.js';

async function bootstrap() {
  // an HTTP app uses NestFactory.create(AppModule) the same way
  const app = await NestFactory.createApplicationContext(AppModule);
  app.enableShutdownHooks(); // SIGTERM: workers finish or release their jobs, connections close
  console.log(await app.get(Signups).signUp('ann@example.com')); // welcome-ann@example.com
  await app.close();
}

void bootstrap();
