import { InvalidOptionError, JOB_EVENT_NAMES, type JobEventName } from '../core/index.js';
import { ON_JOB_EVENT_METADATA, ON_QUEUE_EVENT_METADATA, QUEUE_EVENTS_LISTENER_METADATA } from './jobline.constants.js';

function checkEvent(event: unknown, where: string): asserts event is JobEventName {
  if (!JOB_EVENT_NAMES.includes(event as JobEventName)) {
    throw new InvalidOptionError(`${where} event`, event, `one of ${JOB_EVENT_NAMES.join(', ')}`);
  }
}

function addEvent(key: string, event: JobEventName): MethodDecorator {
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object;
    const events = (Reflect.getMetadata(key, method) as JobEventName[] | undefined) ?? [];
    Reflect.defineMetadata(key, [...events, event], method);
    return descriptor;
  };
}

/**
 * Calls the provider method with each `event` (JobEventMap) of this process's workers and sync-mode runs, as
 * @nestjs/bullmq's @OnWorkerEvent does, on any provider: `@OnJobEvent('failed') alert(e: JobFailedEvent) {...}`.
 * Events: completed, failed, retrying, progress, stalled. A method that throws is logged; the job is not affected.
 */
export function OnJobEvent(event: JobEventName): MethodDecorator {
  checkEvent(event, '@OnJobEvent');
  return addEvent(ON_JOB_EVENT_METADATA, event);
}

/**
 * Marks a provider that follows the Redis event streams of `queues` (events of every worker, in any process, whose
 * application has `eventStream` on), as @nestjs/bullmq's @QueueEventsListener does; its @OnQueueEvent methods are
 * called from the application's bootstrap until it closes, on a connection of their own.
 */
export function QueueEventsListener(queues: string | string[]): ClassDecorator {
  const list = Array.isArray(queues) ? queues : [queues];
  if (list.length === 0 || list.some((q) => typeof q !== 'string' || q === '')) {
    throw new InvalidOptionError('@QueueEventsListener queues', queues, 'a queue name or a non-empty array of them');
  }
  return (target) => {
    Reflect.defineMetadata(QUEUE_EVENTS_LISTENER_METADATA, list, target);
  };
}

/** On a @QueueEventsListener class: called with each `event` of its queues' streams. */
export function OnQueueEvent(event: JobEventName): MethodDecorator {
  checkEvent(event, '@OnQueueEvent');
  return addEvent(ON_QUEUE_EVENT_METADATA, event);
}
