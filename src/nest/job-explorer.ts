import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import {
  assertKnownKeys,
  hasValidationRules,
  HandlerRegistry,
  InvalidOptionError,
  isJobThread,
  validateJobDefaults,
  validateJobSchedule,
  type EnqueueOptions,
  type JobContext,
  type JobSnapshot,
  type PayloadClass,
  type QueueClient,
} from '../core/index.js';
import { JOBLINE_CLIENT } from './jobline.constants.js';
import { JOB_OPTION_NAMES, type JobMetadata } from './job.decorator.js';
import { JoblineMetadataAccessor } from './jobline-metadata.accessor.js';

/**
 * Finds every `@Job` method on every provider (and controller) through Nest's DiscoveryService and registers it,
 * bound to its DI instance. Runs at module init, so a duplicate or invalid name stops the application at start.
 */
@Injectable()
export class JobExplorer implements OnModuleInit {
  private explored = false;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly metadata: JoblineMetadataAccessor,
    readonly registry: HandlerRegistry,
    // absent in a job thread's context (thread-setup.ts), which builds only the named module and this explorer
    @Optional() @Inject(JOBLINE_CLIENT) private readonly client: QueueClient | null,
  ) {}

  onModuleInit(): void {
    this.explore();
  }

  explore(): void {
    if (this.explored) return;
    this.explored = true;
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    const unread: string[] = [];
    for (const wrapper of wrappers) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[methodName];
        const className = instance.constructor?.name ?? 'Object';
        const source = `${className}.${methodName}`;
        const cbMeta = this.metadata.getJobCallback(method);
        if (cbMeta) {
          const cbName = cbMeta.name === undefined ? source : cbMeta.name;
          if (typeof cbName !== 'string' || cbName.trim() === '') {
            throw new InvalidOptionError(`@JobCallback name on ${source}`, cbName, 'a non-empty string (or no name, to use "Class.method")');
          }
          const cb = method as (job: JobSnapshot, arg?: unknown) => unknown;
          this.registry.registerCallback({ name: cbName, handle: (job, arg) => cb.call(instance, job, arg), source });
        }
        const meta = this.metadata.getJob(method);
        if (!meta) continue;
        const name = meta.name === undefined ? source : meta.name;
        if (typeof name !== 'string' || name.trim() === '') {
          throw new InvalidOptionError(`@Job name on ${source}`, name, 'a non-empty string (or no name, to use "Class.method")');
        }
        // a typo of any @Job option (dto and isolate too) names the one meant; jobId and dependsOn are refused just
        // below, saying they belong to one enqueue call
        const { jobId: _jobId, dependsOn: _dependsOn, ...named } = meta.defaults as EnqueueOptions;
        assertKnownKeys(named, `@Job("${name}")`, JOB_OPTION_NAMES);
        validateJobDefaults(meta.defaults, `@Job("${name}")`, 'default'); // fails at start on a bad default
        if (meta.schedule !== undefined) validateJobSchedule(meta.schedule, `@Job("${name}").schedule`);
        if (meta.isolate !== undefined && meta.isolate !== 'thread') {
          throw new InvalidOptionError(`@Job("${name}") isolate`, meta.isolate, "'thread', or nothing (run on the event loop)");
        }
        const fn = method as (data: unknown, ctx: JobContext) => unknown;
        this.registry.register({
          name,
          handle: (data, ctx) => fn.call(instance, data, ctx),
          defaults: meta.defaults,
          payloadClass: this.payloadClass(meta, prototype, methodName, fn, source, unread),
          source,
          schedule: meta.schedule,
          isolate: meta.isolate,
        });
      }
    }
    // a job thread's context explores the same handlers again: the main thread has already warned
    if (unread.length && this.client && !isJobThread()) {
      this.client.logger.warn(
        `The payload type of ${unread.map((s) => `@Job ${s}`).join(', ')} cannot be read: this build does not emit decorator ` +
          'metadata (emitDecoratorMetadata; esbuild, tsx and vitest leave it out), so their payloads are not validated. ' +
          "Name the class: @Job('name', { dto: MyDto }), or enable emitDecoratorMetadata.",
      );
    }
  }

  /**
   * The class a handler's payload is validated against: `dto` when given (it must carry class-validator rules), else
   * the type of its first parameter when that has rules. A handler with parameters whose types the build did not
   * emit is added to `unread` (one warning at start names them all).
   */
  private payloadClass(meta: JobMetadata, prototype: object, methodName: string, fn: Function, source: string, unread: string[]): PayloadClass | undefined {
    if (meta.dto !== undefined) {
      if (!hasValidationRules(meta.dto)) {
        const given: unknown = meta.dto;
        throw new InvalidOptionError(`@Job dto on ${source}`, typeof given === 'function' ? `class ${given.name}` : given, 'a class with class-validator decorators');
      }
      return meta.dto;
    }
    const types = this.metadata.getParamTypes(prototype, methodName);
    if (types === undefined) {
      if (fn.length > 0) unread.push(source);
      return undefined;
    }
    return hasValidationRules(types[0]) ? types[0] : undefined;
  }
}
