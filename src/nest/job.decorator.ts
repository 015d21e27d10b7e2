import type { JobDefaults, PayloadClass } from '../core/index.js';
import { JOB_METADATA } from './jobline.constants.js';

/** What `@Job` takes: the job's enqueue defaults, and the class its payload is validated against. */
export interface JobOptions extends JobDefaults {
  /**
   * The payload's class (with class-validator decorators), given explicitly. Without it, the class is read from the
   * handler's first parameter type, which needs `emitDecoratorMetadata` (tsc and Nest's CLI emit it; esbuild, tsx,
   * SWC without it, and vitest do not).
   */
  dto?: PayloadClass;
}

export interface JobMetadata {
  /** undefined: the default name `${ClassName}.${methodName}`. */
  name: string | undefined;
  defaults: JobDefaults;
  dto: PayloadClass | undefined;
}

/**
 * Marks a provider method as a job handler. The method receives `(data, ctx: JobContext)` and runs on the provider's
 * DI instance, so its injected services work. `name` defaults to `${ClassName}.${methodName}`; `options` preset
 * enqueue options (overridden per call), and `dto` names the payload's class.
 */
export function Job(name?: string, options: JobOptions = {}): MethodDecorator {
  const { dto, ...defaults } = options ?? {};
  return (_target, _key, descriptor) => {
    Reflect.defineMetadata(JOB_METADATA, { name, defaults, dto } satisfies JobMetadata, descriptor.value as object);
    return descriptor;
  };
}
