import type { JobDefaults, JobSchedule } from '../core/index.js';
import { JOB_METADATA } from './jobline.constants.js';

/** `@Job`'s options: enqueue defaults, and a recurring `schedule`. */
export interface JobOptions extends JobDefaults {
  /**
   * Runs the job on a schedule (`{ cron }` or `{ every }`, with `tz`, `startAt`, `endAt`, `limit`, and the `data` of
   * each run): registered with the job's name as its id when an application that runs this handler starts.
   */
  schedule?: JobSchedule;
}

export interface JobMetadata {
  /** undefined: the default name `${ClassName}.${methodName}`. */
  name: string | undefined;
  defaults: JobDefaults;
  schedule: JobSchedule | undefined;
}

/**
 * Marks a provider method as a job handler. The method receives `(data, ctx: JobContext)` and runs on the provider's
 * DI instance, so its injected services work. `name` defaults to `${ClassName}.${methodName}`; `options` preset
 * enqueue options (overridden per call), and may give a recurring `schedule`.
 */
export function Job(name?: string, options: JobOptions = {}): MethodDecorator {
  // anything but an object is kept as the defaults, for the explorer to refuse at start with a clear error
  const { schedule, ...defaults } = options !== null && typeof options === 'object' ? options : { schedule: undefined };
  const meta: JobMetadata = { name, defaults: options !== null && typeof options === 'object' ? defaults : (options as JobDefaults), schedule };
  return (_target, _key, descriptor) => {
    Reflect.defineMetadata(JOB_METADATA, meta, descriptor.value as object);
    return descriptor;
  };
}
