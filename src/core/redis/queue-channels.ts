import calculateSlot from 'cluster-key-slot';
import { Redis, type Cluster } from 'ioredis';
import { closeConnection, isCluster, type RedisClient } from './connection.js';

/**
 * A subscriber to per-queue channels (QueueKeys.events, QueueKeys.control). Messages published while it is away are
 * lost; `onResubscribed` runs once it is subscribed again after such a gap, so its user can look again.
 */
export interface QueueChannels {
  /** Resolves once Redis has confirmed every subscription. */
  subscribe(channels: string[]): Promise<unknown>;
  unsubscribe(channel: string): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * The subscriber for `redis` (the engine's command connection): on one Redis, plain channels on a connection of its
 * own (`connect`); on a Redis Cluster, sharded channels (the scripts SPUBLISH there: scripts.ts), each carried by its
 * queue's own master (DESIGN rule 7), reporting a lasting failure to `onError`.
 */
export function queueChannels(
  redis: RedisClient,
  connect: () => RedisClient,
  onError: (err: Error) => void,
  onMessage: (channel: string, message: string) => void,
  onResubscribed: () => void,
): QueueChannels {
  return isCluster(redis) ? new ShardedChannels(redis, onError, onMessage, onResubscribed) : new PlainChannels(connect() as Redis, onMessage, onResubscribed);
}

class PlainChannels implements QueueChannels {
  constructor(
    private readonly sub: Redis,
    onMessage: (channel: string, message: string) => void,
    onResubscribed: () => void,
  ) {
    sub.on('message', onMessage);
    // ioredis resubscribes by itself on each reconnection, before 'ready' (the first 'ready' is the initial connection)
    let first = true;
    sub.on('ready', () => {
      if (first) first = false;
      else onResubscribed();
    });
  }

  subscribe(channels: string[]): Promise<unknown> {
    return this.sub.subscribe(...channels);
  }

  unsubscribe(channel: string): Promise<unknown> {
    return this.sub.unsubscribe(channel);
  }

  close(): Promise<void> {
    return closeConnection(this.sub);
  }
}

/** Reconnection attempts to a master before its channels are placed again on whoever owns their slots then. */
const NODE_RETRIES = 3;

/**
 * Sharded channels on a Redis Cluster: one subscriber connection per master that owns a subscribed channel's slot,
 * found in the command connection's slot map. Its own and not ioredis's sharded subscribers, whose 'subscribersReady'
 * comes before their resubscriptions are confirmed (a message published in between is lost without a later look).
 * A channel is placed again (its slot's owner looked up anew, subscribed there, then `onResubscribed`) when Redis says
 * its slot moved (an unsolicited SUNSUBSCRIBE or a MOVED reply: ioredis's 'moved') or its master stops answering (a
 * failover); a connection that comes back resubscribes its channels, then `onResubscribed`.
 */
class ShardedChannels implements QueueChannels {
  /** per master ("host:port"): its subscriber connection and the channels it carries */
  private readonly nodes = new Map<string, { conn: Redis; channels: Set<string> }>();
  /** channel -> master carrying it */
  private readonly where = new Map<string, string>();
  private closed = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly onError: (err: Error) => void,
    private readonly onMessage: (channel: string, message: string) => void,
    private readonly onResubscribed: () => void,
  ) {}

  async subscribe(channels: string[]): Promise<unknown> {
    return Promise.all(channels.map((c) => this.place(c, false)));
  }

  async unsubscribe(channel: string): Promise<unknown> {
    const at = this.where.get(channel);
    this.where.delete(channel);
    const node = at ? this.nodes.get(at) : undefined;
    if (!node) return;
    node.channels.delete(channel);
    return node.conn.sunsubscribe(channel);
  }

  async close(): Promise<void> {
    this.closed = true;
    const nodes = [...this.nodes.values()];
    this.nodes.clear();
    await Promise.all(nodes.map((n) => closeConnection(n.conn)));
  }

  /**
   * Subscribes `channel` on the master that owns its slot now (`refresh`: after reading the slot map anew, which a
   * move or a failover has just changed), trying again with a fresh slot map until it holds.
   */
  private async place(channel: string, refresh: boolean): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * attempt)));
      const owner = await this.ownerOf(channel, refresh || attempt > 0);
      if (!owner) continue;
      const node = this.node(owner);
      this.where.set(channel, owner);
      node.channels.add(channel);
      try {
        await node.conn.ssubscribe(channel);
        return;
      } catch (err) {
        node.channels.delete(channel);
        if (this.closed) return;
        // a stale slot map (MOVED) or a cluster between masters is expected here and tried again; a failure that
        // persists is reported
        if (attempt === 5) this.onError(err as Error);
      }
    }
  }

  /** The master ("host:port") that owns the channel's slot, from the cluster's slot map (refreshed when asked). */
  private async ownerOf(channel: string, refresh: boolean): Promise<string | undefined> {
    if (this.cluster.status !== 'ready') await this.cluster.ping().catch(() => undefined);
    if (refresh) await new Promise<void>((r) => this.cluster.refreshSlotsCache(() => r()));
    return this.cluster.slots[calculateSlot(channel)]?.[0];
  }

  private node(key: string): { conn: Redis; channels: Set<string> } {
    let node = this.nodes.get(key);
    if (node) return node;
    const sep = key.lastIndexOf(':');
    const conn = new Redis({
      ...this.cluster.options.redisOptions,
      host: key.slice(0, sep),
      port: Number(key.slice(sep + 1)),
      // resubscribed here, so that onResubscribed follows the confirmation
      autoResubscribe: false,
      retryStrategy: (times) => (times > NODE_RETRIES ? null : 100 * times),
    });
    node = { conn, channels: new Set() };
    this.nodes.set(key, node);
    const current = node;
    conn.on('error', (err: Error) => {
      // a master that went away is expected in a failover: its channels are placed again below
      if (!/ECONNREFUSED|ECONNRESET|Connection is closed/.test(err.message)) this.onError(err);
    });
    conn.on('smessage', this.onMessage);
    let first = true;
    conn.on('ready', () => {
      if (first) return void (first = false);
      const channels = [...current.channels];
      if (channels.length) void conn.ssubscribe(...channels).then(this.onResubscribed, () => this.replace(key));
    });
    // the slot of a channel moved (resharding): every channel of this master is placed again
    conn.on('moved', () => this.replace(key));
    // the master stopped answering (failover): its channels go to whoever owns their slots now
    conn.on('end', () => this.replace(key));
    return node;
  }

  /** Places every channel of master `key` again, then tells the user (messages may have been missed). */
  private replace(key: string): void {
    const node = this.nodes.get(key);
    if (!node || this.closed) return;
    this.nodes.delete(key);
    const channels = [...node.channels].filter((c) => this.where.get(c) === key);
    node.conn.removeAllListeners('end');
    node.conn.disconnect();
    if (!channels.length) return;
    void Promise.all(channels.map((c) => this.place(c, true))).then(() => {
      if (!this.closed) this.onResubscribed();
    });
  }
}
