import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { assertQueueName, type EventFollower, type JobEvent, type JobEventName, type QueueClient } from '../core/index.js';
import { JOBLINE_CLIENT, ON_JOB_EVENT_METADATA, ON_QUEUE_EVENT_METADATA, QUEUE_EVENTS_LISTENER_METADATA } from './jobline.constants.js';

type Method = (event: JobEvent) => unknown;

/**
 * Wires the event decorators: @OnJobEvent methods listen to this process's job events from module init (before any
 * worker starts); @QueueEventsListener classes get one follower of the Redis event streams of all their queues,
 * started at bootstrap and closed with the application.
 */
@Injectable()
export class EventsExplorer implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly off: (() => void)[] = [];
  private readonly byQueue = new Map<string, Map<JobEventName, Method[]>>();
  private follower: EventFollower | null = null;
  private explored = false;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    @Inject(JOBLINE_CLIENT) private readonly client: QueueClient,
  ) {}

  onModuleInit(): void {
    if (this.explored) return;
    this.explored = true;
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      const queues = Reflect.getMetadata(QUEUE_EVENTS_LISTENER_METADATA, instance.constructor) as string[] | undefined;
      queues?.forEach((q) => assertQueueName(q));
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[name];
        if (typeof method !== 'function') continue;
        const call: Method = (e) => (method as Method).call(instance, e);
        for (const event of (Reflect.getMetadata(ON_JOB_EVENT_METADATA, method) as JobEventName[] | undefined) ?? []) {
          this.off.push(this.client.on(event, call));
        }
        for (const event of (Reflect.getMetadata(ON_QUEUE_EVENT_METADATA, method) as JobEventName[] | undefined) ?? []) {
          for (const q of queues ?? []) {
            let events = this.byQueue.get(q);
            if (!events) this.byQueue.set(q, (events = new Map()));
            events.set(event, [...(events.get(event) ?? []), call]);
          }
        }
      }
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.byQueue.size || this.follower) return;
    this.follower = await this.client.followEvents([...this.byQueue.keys()], (e) => {
      for (const call of this.byQueue.get(e.queue)?.get(e.event) ?? []) {
        const r = call(e);
        if (r instanceof Promise) r.catch((err: unknown) => this.client.logger.error(`@OnQueueEvent('${e.event}') of job ${e.id} failed: ${String(err)}`));
      }
    });
  }

  async onModuleDestroy(): Promise<void> {
    for (const off of this.off.splice(0)) off();
    const follower = this.follower;
    this.follower = null;
    await follower?.close();
  }
}
