import type { JobDefaults } from '../core/index.js';
import { JOB_METADATA } from './jobline.constants.js';

export interface JobMetadata {
  /** undefined: the default name `${ClassName}.${methodName}`. */
  name: string | undefined;
  defaults: JobDefaults;
  isolate?: unknown;
}

/** What `@Job` takes: enqueue defaults, and where the handler runs. */
export interface JobOptions extends JobDefaults {
  /**
   * 'thread': run it in the consumer's pool of worker threads (ConsumerOptions.threads), off the event loop: a
   * CPU-bound handler does not hold up other jobs or the lease, and a timeout terminates its thread.
   */
  isolate?: 'thread';
}

/**
 * Marks a provider method as a job handler. The method receives `(data, ctx: JobContext)` and runs on the provider's
 * DI instance, so its injected services work. `name` defaults to `${ClassName}.${methodName}`; `defaults` preset
 * enqueue options (overridden per call).
 */
export function Job(name?: string, options: JobOptions = {}): MethodDecorator {
  // isolate is not an enqueue option: kept apart so the defaults stay what enqueue accepts
  const { isolate, ...defaults } = options ?? {};
  return (_target, _key, descriptor) => {
    Reflect.defineMetadata(JOB_METADATA, { name, defaults, isolate } satisfies JobMetadata, descriptor.value as object);
    return descriptor;
  };
}
