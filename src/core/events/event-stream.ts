import type { Engine } from '../engine.js';
import { InvalidOptionError } from '../model/errors.js';
import { closeConnection, type RedisClient } from '../redis/connection.js';
import { LoopStop, STOPPED } from '../redis/loop-stop.js';
import type { JobEvent } from './job-events.js';

/** `eventStream` option: true, or how many entries each queue's stream keeps (about). */
export type EventStreamOption = boolean | { maxLen?: number };

const DEFAULT_MAX_LEN = 10_000;

/** The stream's cap per queue, or 0 when the stream is off. */
export function streamMaxLen(option: EventStreamOption | undefined): number {
  if (option === undefined || option === false) return 0;
  if (option === true) return DEFAULT_MAX_LEN;
  if (option !== null && typeof option === 'object') {
    const max = option.maxLen ?? DEFAULT_MAX_LEN;
    if (Number.isInteger(max) && max >= 1 && max <= 10_000_000) return max;
    throw new InvalidOptionError('eventStream.maxLen', option.maxLen, 'a whole number of entries from 1 to 10000000');
  }
  throw new InvalidOptionError('eventStream', option, 'true, false, or { maxLen }');
}

/**
 * Writes this process's job events to each queue's capped Redis stream (stream-add.lua): events are gathered per
 * queue and sent once per event-loop turn, one call each, so a worker pays one call per round of jobs, not one per
 * job. Best effort: a write that fails (Redis away) is logged and dropped; the jobs' own state is never affected.
 */
export class EventStreamWriter {
  private readonly pending = new Map<string, string[]>();
  private scheduled = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly engine: Engine,
    private readonly maxLen: number,
  ) {}

  add(event: JobEvent): void {
    // the result stays in this process: the stream names jobs, it does not copy their data
    const { result: _result, ...rest } = event as JobEvent & { result?: unknown };
    let list = this.pending.get(event.queue);
    if (!list) this.pending.set(event.queue, (list = []));
    list.push(JSON.stringify(rest));
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.writing = this.writing.then(() => this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batches = [...this.pending];
    this.pending.clear();
    await Promise.all(
      batches.map(([queue, lines]) =>
        this.engine.run('stream-add', queue, [this.maxLen, lines.join('\n')]).catch((err: Error) =>
          this.engine.logger.warn(`event stream of queue ${queue}: ${lines.length} event(s) not written: ${err.message}`),
        ),
      ),
    );
  }

  /** Resolves once what was added so far is written (or given up). */
  async drain(): Promise<void> {
    if (this.scheduled) await new Promise((r) => setImmediate(r));
    await this.writing;
  }
}

/**
 * Follows the event streams of some queues from another process or this one: XREAD BLOCK on a connection of its
 * own, from the moment it starts (earlier entries are history, not news). Never throws: a read that fails (Redis
 * away) is retried after a pause, from where it left off, so events written meanwhile are still delivered.
 * On a Redis Cluster, where one XREAD reads one slot (each queue is its own), each queue is read on a connection of
 * its own.
 */
export class EventFollower {
  private conns: RedisClient[] = [];
  private running = false;
  private halt = new LoopStop();
  private done: Promise<unknown> = Promise.resolve();
  private readonly lastIds: string[];

  constructor(
    private readonly engine: Engine,
    private readonly queues: readonly string[],
    private readonly onEvent: (event: JobEvent) => void,
    private readonly blockMs = 1000,
  ) {
    this.lastIds = queues.map(() => '$');
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.halt = new LoopStop();
    const all = this.queues.map((_, i) => i);
    const groups = this.engine.cluster ? all.map((i) => [i]) : [all];
    this.conns = groups.map(() => this.engine.connection());
    this.done = Promise.all(groups.map((g, k) => this.loop(this.conns[k]!, g)));
  }

  /** Resolves once the follower reads from the streams (its first XREAD is under way), for callers that must not miss events. */
  async ready(): Promise<void> {
    if (this.lastIds.every((id) => id !== '$')) return;
    // '$' means "after the last entry at the time of the read": pin each start to the stream's current last id
    const keys = this.queues.map((q) => this.engine.queue(q).stream);
    const ids = await Promise.all(keys.map((k) => this.engine.redis.xrevrange(k, '+', '-', 'COUNT', 1)));
    ids.forEach((entries, i) => {
      if (this.lastIds[i] === '$') this.lastIds[i] = entries[0]?.[0] ?? '0-0';
    });
  }

  /** Reads the streams of the queues at `at` (indexes into `queues`) on `conn` until closed. */
  private async loop(conn: RedisClient, at: number[]): Promise<void> {
    const halt = this.halt;
    const keys = at.map((i) => this.engine.queue(this.queues[i]!).stream);
    let failures = 0;
    while (this.running) {
      try {
        await this.ready();
        // raced with close(): an XREAD cut off by a Redis restart may never settle once close() disconnects it
        const reply = (await halt.race(conn.xread('COUNT', 1000, 'BLOCK', this.blockMs, 'STREAMS', ...keys, ...at.map((i) => this.lastIds[i]!)))) as
          | [string, [string, string[]][]][]
          | null
          | typeof STOPPED;
        if (reply === STOPPED) break;
        failures = 0;
        for (const [key, entries] of reply ?? []) {
          const i = at[keys.indexOf(key)]!;
          for (const [id, fields] of entries) {
            this.lastIds[i] = id;
            this.deliver(fields);
          }
        }
      } catch (err) {
        if (!this.running) break;
        if (failures++ === 0) this.engine.logger.warn(`event follower of ${at.map((i) => this.queues[i]).join(', ')}: ${(err as Error).message}; retrying`);
        await halt.pause(Math.min(5000, 200 * 2 ** Math.min(failures, 5)));
      }
    }
  }

  private deliver(fields: string[]): void {
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] !== 'e') continue;
      let event: JobEvent;
      try {
        event = JSON.parse(fields[i + 1]!) as JobEvent;
      } catch {
        continue; // not written by Jobline
      }
      try {
        this.onEvent(event);
      } catch (err) {
        this.engine.logger.error(`A queue event listener threw on "${event.event}" of job ${event.id}: ${(err as Error).message}`);
      }
    }
  }

  async close(): Promise<void> {
    this.running = false;
    this.halt.stop();
    const conns = this.conns;
    this.conns = [];
    // a blocked XREAD ends with the connection
    for (const c of conns) c.disconnect();
    await this.done;
    await Promise.all(conns.map((c) => closeConnection(c)));
  }
}
