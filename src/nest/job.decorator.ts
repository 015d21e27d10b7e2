import type { JobDefaults, JobSchedule, PayloadClass } from '../core/index.js';
import { JOB_METADATA } from './jobline.constants.js';

/** What `@Job` takes: the job's enqueue defaults, the class its payload is validated against, where it runs, a schedule. */
export interface JobOptions extends JobDefaults {
  /**
   * The payload's class (with class-validator decorators), given explicitly. Without it, the class is read from the
   * handler's first parameter type, which needs `emitDecoratorMetadata` (tsc and Nest's CLI emit it; esbuild, tsx,
   * SWC without it, and vitest do not).
   */
  dto?: PayloadClass;
  /**
   * 'thread': run it in the consumer's pool of worker threads (ConsumerOptions.threads), off the event loop: a
   * CPU-bound handler does not hold up other jobs or the lease, and a timeout terminates its thread.
   */
  isolate?: 'thread';
  /**
   * Runs the job on a schedule (`{ cron }` or `{ every }`, with `tz`, `startAt`, `endAt`, `limit`, and the `data` of
   * each run): registered with the job's name as its id when an application that runs this handler starts.
   */
  schedule?: JobSchedule;
}

/** Every @Job option name, checked by the compiler against JobOptions (JobExplorer names a typo and the one meant). */
export const JOB_OPTION_NAMES = Object.keys({
  queue: 1,
  atFront: 1,
  ttl: 1,
  resultTtl: 1,
  failureTtl: 1,
  timeout: 1,
  attempts: 1,
  description: 1,
  meta: 1,
  onDependencyFailure: 1,
  onSuccess: 1,
  onFailure: 1,
  onStopped: 1,
  retry: 1,
  keep: 1,
  unique: 1,
  priority: 1,
  group: 1,
  schedule: 1,
  dto: 1,
  isolate: 1,
} satisfies Record<keyof JobOptions, 1>);

export interface JobMetadata {
  /** undefined: the default name `${ClassName}.${methodName}`. */
  name: string | undefined;
  defaults: JobDefaults;
  dto: PayloadClass | undefined;
  schedule: JobSchedule | undefined;
  /** 'thread', or undefined (checked at start by JobExplorer, as a plain-JS caller may pass anything). */
  isolate?: unknown;
}

/**
 * Marks a provider method as a job handler. The method receives `(data, ctx: JobContext)` and runs on the provider's
 * DI instance, so its injected services work. `name` defaults to `${ClassName}.${methodName}`; `options` preset
 * enqueue options (overridden per call), `dto` names the payload's class, `isolate: 'thread'` runs the handler
 * in a worker thread, and `schedule` runs it on a recurring schedule.
 */
export function Job(name?: string, options: JobOptions = {}): MethodDecorator {
  // dto, isolate and schedule are not enqueue options: kept apart so the defaults stay what enqueue accepts
  const { dto, isolate, schedule, ...defaults } = options ?? {};
  return (_target, _key, descriptor) => {
    Reflect.defineMetadata(JOB_METADATA, { name, defaults, dto, isolate, schedule } satisfies JobMetadata, descriptor.value as object);
    return descriptor;
  };
}
