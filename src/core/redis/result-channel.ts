import type { RedisClient } from './connection.js';
import { ClientClosedError } from '../model/errors.js';
import { queueChannels, type QueueChannels } from './queue-channels.js';

export interface EndEvent {
  status: string;
  payload: string;
}

type Listener = (e: EndEvent) => void;
type Recheck = () => void;

/**
 * Wakes result() callers when their job ends, without polling: one subscriber connection per client, one channel per
 * queue (QueueKeys.events; sharded on a cluster, see QueueChannels), subscribed while anyone in this process waits on
 * that queue. Ending jobs publish while the
 * queue's `waiting` flag is up (watch.lua raises it), which is for every job of the queue, so a process that no longer
 * waits unsubscribes instead of reading them all.
 */
export class ResultChannel {
  private sub: QueueChannels | null = null;
  private closed = false;
  private readonly subscribed = new Map<string, Promise<unknown>>();
  private readonly listeners = new Map<string, Set<Listener>>();
  /** Listeners per channel, to unsubscribe when the last one goes. */
  private readonly perQueue = new Map<string, number>();
  private readonly rechecks = new Map<Listener, Recheck>();

  /**
   * `redis`: the engine's command connection (a cluster's slot map); `connect` opens a subscriber connection on one
   * Redis (the engine's, whose errors it reports); `onError`: a subscriber's failure on a cluster.
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly connect: () => RedisClient,
    private readonly onError: (err: Error) => void,
  ) {}

  /**
   * Subscribes (once) to the queue's events channel and registers `listener` for job `id`. `recheck` runs if the
   * subscriber reconnects (a message may have been missed meanwhile). Returns the unregister function.
   */
  async listen(channel: string, id: string, listener: Listener, recheck: Recheck): Promise<() => void> {
    if (this.closed) throw new ClientClosedError('result() was called on a closed QueueClient; call it on one that is open.');
    const key = `${channel}\n${id}`;
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    this.rechecks.set(listener, recheck);
    this.perQueue.set(channel, (this.perQueue.get(channel) ?? 0) + 1);
    let listening = true;
    const off = () => {
      if (!listening) return;
      listening = false;
      this.rechecks.delete(listener);
      const s = this.listeners.get(key);
      if (s && s.delete(listener) && s.size === 0) this.listeners.delete(key);
      const left = (this.perQueue.get(channel) ?? 1) - 1;
      if (left > 0) return void this.perQueue.set(channel, left);
      this.perQueue.delete(channel);
      this.subscribed.delete(channel);
      // commands keep their order on the connection, so a later subscribe to this queue still lands after this
      this.sub?.unsubscribe(channel).catch(() => undefined);
    };
    try {
      await this.subscribe(channel);
    } catch (err) {
      off();
      throw err;
    }
    return off;
  }

  private subscribe(channel: string): Promise<unknown> {
    let p = this.subscribed.get(channel);
    if (!p) {
      const sub = this.subscriber();
      p = sub.subscribe([channel]);
      p.catch(() => this.subscribed.delete(channel));
      this.subscribed.set(channel, p);
    }
    return p;
  }

  private subscriber(): QueueChannels {
    if (this.sub) return this.sub;
    const onMessage = (channel: string, message: string) => {
      const a = message.indexOf('\n');
      const b = message.indexOf('\n', a + 1);
      if (a < 0 || b < 0) return;
      const set = this.listeners.get(`${channel}\n${message.slice(0, a)}`);
      if (!set) return;
      const event = { status: message.slice(a + 1, b), payload: message.slice(b + 1) };
      for (const l of [...set]) l(event);
    };
    // ends published while the subscriber was away are found by asking again
    const recheck = () => {
      for (const r of [...this.rechecks.values()]) r();
    };
    const sub = queueChannels(this.redis, this.connect, this.onError, onMessage, recheck);
    this.sub = sub;
    return sub;
  }

  async close(): Promise<void> {
    this.closed = true;
    const sub = this.sub;
    this.sub = null;
    this.subscribed.clear();
    if (sub) await sub.close();
  }
}
