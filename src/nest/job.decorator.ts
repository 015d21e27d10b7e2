import type { JobDefaults } from '../core/index.js';
import { JOB_METADATA } from './jobline.constants.js';

export interface JobMetadata {
  /** undefined: the default name `${ClassName}.${methodName}`. */
  name: string | undefined;
  defaults: JobDefaults;
}

/**
 * Marks a provider method as a job handler. The method receives `(data, ctx: JobContext)` and runs on the provider's
 * DI instance, so its injected services work. `name` defaults to `${ClassName}.${methodName}`; `defaults` preset
 * enqueue options (overridden per call).
 */
export function Job(name?: string, defaults: JobDefaults = {}): MethodDecorator {
  return (_target, _key, descriptor) => {
    Reflect.defineMetadata(JOB_METADATA, { name, defaults } satisfies JobMetadata, descriptor.value as object);
    return descriptor;
  };
}
