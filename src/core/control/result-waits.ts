import type { Engine } from '../engine.js';
import { DEFAULTS } from '../model/defaults.js';
import { toMs, type Duration } from '../model/duration.js';
import { ClientClosedError, JobFailedError, JobNotFoundError, WaitTimeoutError } from '../model/errors.js';
import { decodeJson } from '../model/payload.js';
import { ResultChannel } from '../redis/result-channel.js';
import { JOB_FIELD } from '../redis/stored-names.js';

const TERMINAL_ERROR_STATUSES = new Set(['failed', 'canceled', 'expired', 'stopped']);
/** Statuses in which a job waits for a worker of its queue to take it. */
const WAITING_FOR_WORKER = new Set(['queued', 'scheduled', 'deferred']);
/** How long a timed-out wait may spend reading why (a Redis that is away must not hold the error back). */
const EXPLAIN_MS = 1000;

/** result(): waits for a job's end, woken by Redis (pub/sub), never by polling. */
export class ResultWaits {
  private readonly channel: ResultChannel;
  /** The fail functions of the waits still pending (close() ends them). */
  private readonly waits = new Set<(err: unknown) => void>();
  private closed = false;

  constructor(private readonly engine: Engine) {
    this.channel = new ResultChannel(engine.redis, () => engine.connection(), (err) => engine.backgroundError('result() subscriber', err));
  }

  async wait(queue: string, id: string, timeout?: Duration): Promise<unknown> {
    if (this.closed) throw new ClientClosedError('This QueueClient was closed; make the call on one that is open.');
    const timeoutMs = timeout === undefined ? -1 : toMs('timeout', timeout, { allowForever: true });
    const q = this.engine.queue(queue);
    return new Promise((resolve, reject) => {
      let off: (() => void) | undefined;
      let timer: NodeJS.Timeout | undefined;
      let renew: NodeJS.Timeout | undefined;
      let done = false;
      const end = () => {
        done = true;
        off?.();
        clearInterval(renew);
        if (timer) clearTimeout(timer);
        this.waits.delete(fail);
      };
      const settle = (status: string, payload: string) => {
        if (done) return;
        end();
        if (status === 'finished') {
          resolve(decodeJson(payload));
        } else if (TERMINAL_ERROR_STATUSES.has(status)) {
          const e = (decodeJson(payload) as { name?: string; message?: string; stack?: string } | undefined) ?? {};
          reject(new JobFailedError(id, e.name ?? 'Error', e.message ?? status, e.stack, status));
        } else {
          reject(new JobNotFoundError(id));
        }
      };
      const fail = (err: unknown) => {
        if (done) return;
        end();
        reject(err);
      };
      // close() ends the waits still pending, instead of leaving them to a timer or a dead connection
      this.waits.add(fail);
      if (timeoutMs > 0) timer = setTimeout(() => void this.timedOut(queue, id, timeoutMs).then(fail), timeoutMs);
      // watch.lua answers for an ended job, else keeps the queue's `waiting` flag up so that its end is published
      const check = async () => {
        const [, state, payload] = (await this.engine.run('watch', queue, [id, DEFAULTS.WAITING_FLAG_MS])) as [number, string, string];
        if (state !== 'waiting') settle(state, payload);
      };
      // a renewal that fails (Redis briefly away) is tried again on the next tick; the wait itself goes on
      renew = setInterval(
        () => void check().catch((err: Error) => this.engine.logger.warn(`result() of job ${id}: could not renew the waiting flag: ${err.message}`)),
        DEFAULTS.WAITING_FLAG_MS / 3,
      );
      renew.unref();
      this.channel
        .listen(
          q.events,
          id,
          (e) => settle(e.status, e.payload),
          () => void check().catch(fail),
        )
        .then(async (unlisten) => {
          off = unlisten;
          if (done) return unlisten();
          await check();
        })
        .catch(fail);
    });
  }

  /**
   * The error of a wait that timed out, saying the job's status and, when it waits for a worker, whether any live
   * worker consumes its queue (a job enqueued where nothing runs it should not time out unexplained).
   */
  private async timedOut(queue: string, id: string, timeoutMs: number): Promise<WaitTimeoutError> {
    const explain = async (): Promise<WaitTimeoutError> => {
      const [status, live] = await Promise.all([this.engine.redis.hget(this.engine.queue(queue).job(id), JOB_FIELD.status), this.engine.workers.consumersOf(queue)]);
      if (status === null) return new WaitTimeoutError(id, timeoutMs);
      if (!WAITING_FOR_WORKER.has(status)) return new WaitTimeoutError(id, timeoutMs, status, `it is ${status}.`);
      const consumers = live.length;
      if (consumers > 0) return new WaitTimeoutError(id, timeoutMs, status, `it is ${status} in queue "${queue}", which ${consumers} live worker(s) consume.`);
      return new WaitTimeoutError(
        id,
        timeoutMs,
        status,
        `it is ${status} in queue "${queue}", which no live worker consumes. Start a consumer of "${queue}" (or enqueue to a queue that has one).`,
      );
    };
    let timer: NodeJS.Timeout | undefined;
    const plain = new Promise<WaitTimeoutError>((r) => (timer = setTimeout(() => r(new WaitTimeoutError(id, timeoutMs)), EXPLAIN_MS)));
    try {
      return await Promise.race([explain().catch(() => new WaitTimeoutError(id, timeoutMs)), plain]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends every pending wait with ClientClosedError and closes the subscriber. */
  async close(): Promise<void> {
    this.closed = true;
    for (const fail of [...this.waits]) fail(new ClientClosedError('The QueueClient was closed while result() waited; the job itself is untouched.'));
    await this.channel.close();
  }
}
