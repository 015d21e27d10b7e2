import type { Engine } from '../engine.js';
import { LoopStop } from '../redis/loop-stop.js';
import { fetchedJobs, fetchTiming, outcomeLines, type FetchedJob } from '../redis/work-codec.js';
import type { Outcome } from '../run/outcome.js';
import { ScheduleFiring } from '../scheduler/schedule-firing.js';
import { PendingOutcomes } from './pending-outcomes.js';
import type { RunningJobs } from './running-jobs.js';
import { WakeWait } from './wake-wait.js';

/** work.lua calls one worker keeps in flight at once (see FetchLoop.loop). */
const MAX_IN_FLIGHT = 2;

/**
 * On a cluster, a work.lua call unanswered this long (ms) holds up its own queue only: its round goes on to the next
 * queue, and later rounds skip it until it is answered (a slot refuses every script while it migrates).
 */
const STALL_MS = 250;

export interface FetchLimits {
  concurrency: number;
  leaseMs: number;
  /** longest single blocking wait for work, in seconds */
  blockSec: number;
}

/**
 * The worker's round trips: each work.lua call records the outcomes of ended jobs and fetches up to the free slots
 * (promoting due delayed jobs first, and handing over due schedule ticks, which ScheduleFiring fires); an idle worker
 * blocks on its queues' wake-up lists instead of polling (wake-wait.ts), until new work or the next due moment,
 * whichever comes first. Outcomes wait, per queue (pending-outcomes.ts), for the next call (or are sent on their own
 * while the loop blocks or the worker closes).
 */
export class FetchLoop {
  private fetching = false;
  private loopDone: Promise<void> = Promise.resolve();
  private readonly waits: WakeWait;
  private readonly outcomes: PendingOutcomes;
  /** Per queue, when each of its work.lua calls now in flight was sent (performance.now()). */
  private readonly calling = new Map<string, number[]>();
  /** Resolves the loop's wait; called through kick(). */
  private wakeLoop: (() => void) | null = null;
  private kickScheduled = false;
  /** work rounds in flight, and the slots their fetches may fill (not yet running). */
  private inFlight = 0;
  private reserved = 0;
  private readonly rounds = new Set<Promise<void>>();
  /** The last fetch found every queue empty: block on the wake-up lists instead of asking again. */
  private idle = false;
  /** Consecutive failed rounds, and the last failure, which the loop logs and backs off on. */
  private failures = 0;
  private roundError: Error | null = null;
  /** Most jobs one work.lua call fetches (half the slots; see loop()). */
  private readonly batchSize: number;
  private flushScheduled = false;
  private flushing: Promise<void> = Promise.resolve();
  /** Per queue, this worker's held set: the key work.lua takes besides the queue's own. */
  private readonly held = new Map<string, { held: string }>();
  /** Per queue, when (performance.now() ms) its next delayed job or schedule tick is due, as its last fetch said. */
  private readonly due = new Map<string, number>();
  private readonly schedules: ScheduleFiring;
  /** Cuts a back-off pause short at stop(). */
  private readonly halt = new LoopStop();

  constructor(
    private readonly engine: Engine,
    private readonly workerId: string,
    private readonly queues: readonly string[],
    private readonly limits: FetchLimits,
    private readonly running: RunningJobs,
  ) {
    this.batchSize = Math.ceil(limits.concurrency / MAX_IN_FLIGHT);
    for (const q of queues) this.held.set(q, { held: engine.queue(q).held(workerId) });
    this.schedules = new ScheduleFiring(engine);
    this.waits = new WakeWait(engine, workerId, queues, limits.blockSec);
    this.outcomes = new PendingOutcomes(engine, workerId);
  }

  start(): void {
    this.fetching = true;
    this.waits.start();
    // the loop catches its own failures; this only guards against a crash on a bug
    this.loopDone = this.loop().catch((err: Error) => this.engine.logger.error(`worker ${this.workerId} loop ended: ${err.stack ?? err.message}`));
  }

  /** Fetches nothing more; resolves once the rounds in flight have ended (their jobs started). */
  async stop(): Promise<void> {
    this.fetching = false;
    this.halt.stop();
    const wake = this.wakeLoop;
    this.wakeLoop = null;
    wake?.();
    this.waits.stop();
    await this.loopDone;
  }

  /** A job ended: its outcome goes with the next round trip (or on its own while the loop blocks or stops). */
  jobEnded(job: FetchedJob, outcome: Outcome): void {
    if (job.ranAt > 0) job.durationMs = performance.now() - job.ranAt;
    this.outcomes.ended(job, outcome);
    if (this.waits.waiting || !this.fetching) this.scheduleFlush();
    else this.kick();
  }

  /** Records that `job` goes back to the front of its queue (released at shutdown; not counted as an attempt). */
  release(job: FetchedJob): void {
    this.outcomes.record(job, 'released', '');
  }

  /** Releases held jobs ("<id>|<attempt>") this worker does not run (lease.ts), with the next round trip. */
  releaseHeld(queue: string, members: string[]): void {
    this.outcomes.releaseHeld(queue, members);
    if (this.waits.waiting || !this.fetching) this.scheduleFlush();
    else this.kick();
  }

  /** Whether an outcome of job `id` of `queue` waits to be sent or is on its way (rare path: a scan). */
  owes(queue: string, id: string): boolean {
    return this.outcomes.owes(queue, id);
  }

  /** Sends every outcome still waiting (at close). */
  async flushAll(): Promise<void> {
    await this.flushing;
    await this.flush();
  }

  async close(): Promise<void> {
    await this.schedules.settled();
    await this.waits.close();
  }

  /**
   * Wakes the loop on the next event-loop turn, not at once: jobs that end together (a fetched batch of quick jobs)
   * then go back in one call instead of one call each.
   */
  kick(): void {
    if (this.kickScheduled) return;
    this.kickScheduled = true;
    setImmediate(() => {
      this.kickScheduled = false;
      const wake = this.wakeLoop;
      this.wakeLoop = null;
      wake?.();
    });
  }

  /**
   * Keeps up to MAX_IN_FLIGHT work.lua calls going: while Redis runs one, this process runs the jobs another
   * fetched, so neither waits on the other. Each call asks for at most half the slots, so a burst of jobs that all
   * end together still leaves the next call able to fetch while the previous batch runs. Fetches only into free
   * slots (never more jobs than `concurrency` held at once). When a fetch finds every queue empty, the loop blocks
   * on the wake-up lists until an enqueue (or the block timeout) says to look again.
   */
  private async loop(): Promise<void> {
    while (this.fetching) {
      const err = this.roundError;
      if (err) {
        this.roundError = null;
        this.engine.backgroundError(`worker ${this.workerId} loop`, err);
        // Redis is down or a script failed: back off instead of spinning (this path is not the hot path)
        await this.halt.pause(Math.min(5000, 100 * 2 ** Math.min(this.failures, 6)));
        continue;
      }
      this.dispatch();
      if (this.inFlight === 0 && this.idle && !this.sendable() && this.running.size < this.limits.concurrency) {
        // outcomes of a held-up queue go on their own, once its call is answered (a round would only skip them)
        if (this.outcomes.size) this.scheduleFlush();
        try {
          await this.block();
        } catch (blockErr) {
          this.failures++;
          this.roundError = blockErr as Error;
        }
        this.idle = false;
        continue;
      }
      await new Promise<void>((resolve) => (this.wakeLoop = resolve));
    }
    // jobs fetched by calls still in flight must start (they hold leases) before close() waits on running jobs
    await Promise.all(this.rounds);
  }

  /** Starts rounds while fewer than MAX_IN_FLIGHT are out and there are free slots to fill or outcomes to send. */
  private dispatch(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.fetching) {
      const free = this.limits.concurrency - this.running.size - this.reserved;
      const budget = this.idle ? 0 : Math.max(0, Math.min(free, this.batchSize));
      // a round with nothing to fetch and only a held-up queue's outcomes would make no call: it would end at once,
      // and this loop would start another, never yielding
      if (budget === 0 && !this.sendable()) return;
      this.inFlight++;
      const round = this.round(budget);
      this.rounds.add(round);
      void round.finally(() => this.rounds.delete(round));
    }
  }

  /**
   * One round: a work.lua call per queue in priority order, each recording that queue's outcomes and fetching into
   * what is left of `budget`. Never rejects: a failure is left in `roundError` for the loop to back off on.
   */
  private async round(budget: number): Promise<void> {
    try {
      let fetched = 0;
      for (const queue of this.queues) {
        // a queue with a call held up (cluster only: its slot migrating, refused until that ends) gets no other
        // call meanwhile; its outcomes wait for it
        if (this.stalled(queue)) continue;
        // at most a batch of outcomes per round: two rounds then carry equal work, so while Redis runs one this
        // process works on the other's jobs (with all outcomes in one round the two rounds fall into lockstep)
        const acks = this.outcomes.take(queue, this.batchSize);
        // a worker that started closing meanwhile only records outcomes
        const want = this.fetching ? budget - fetched : 0;
        if (want === 0 && !acks) continue;
        this.reserved += want;
        const call = this.work(queue, acks, want).finally(() => (this.reserved -= want));
        const got = this.engine.cluster ? await this.unlessHeldUp(queue, call) : await call;
        if (got !== null) fetched += got;
      }
      if (budget > 0 && fetched === 0) this.idle = true;
      this.failures = 0;
    } catch (err) {
      if (this.fetching) {
        this.failures++;
        this.roundError = err as Error;
      }
    } finally {
      this.inFlight--;
      this.kick();
    }
  }

  /**
   * Blocks until new work is queued or the next due moment of a delayed job or schedule tick (see WakeWait), whichever
   * comes first.
   */
  private async block(): Promise<void> {
    let soonest = Infinity;
    let soonestQueue = '';
    const now = performance.now();
    for (const [queue, at] of this.due) {
      // a held-up queue's due jobs wait for its call (which wakes the loop when answered): looking again at once
      // would skip it again, a loop of microtasks that never lets the call's answer in
      if (this.stalled(queue)) continue;
      if (at - now < soonest) {
        soonest = at - now;
        soonestQueue = queue;
      }
    }
    // something is due already: look again instead of blocking, after I/O so a loop of due rounds cannot starve it
    if (soonest <= 0) return new Promise((r) => setImmediate(r));
    await this.waits.wait(soonestQueue, soonest, () => !this.fetching);
  }

  /**
   * The call's answer, or null once it has waited STALL_MS: the round then goes on to the next queue, and the call
   * finishes on its own (its jobs start when it is answered; close() waits for it).
   */
  private async unlessHeldUp(queue: string, call: Promise<number>): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const got = await Promise.race([call, new Promise<null>((r) => (timer = setTimeout(() => r(null), STALL_MS)))]);
    clearTimeout(timer);
    if (got !== null) return got;
    // when answered, work() wakes the loop to look at the queue again (see resume())
    const rest = call.then(
      () => undefined,
      (err: unknown) => this.engine.backgroundError(`worker ${this.workerId} loop`, err),
    );
    this.rounds.add(rest);
    void rest.finally(() => this.rounds.delete(rest));
    return null;
  }

  /** Wakes the loop to look at `queue` again: a token if it waits for work (see block()), else a kick. */
  private resume(queue: string): void {
    if (this.waits.waiting) this.waits.wake(queue);
    else if (this.fetching) this.kick();
  }

  /** Whether a round would send outcomes: some wait for a queue whose calls are not held up. */
  private sendable(): boolean {
    for (const queue of this.outcomes.queues()) if (!this.stalled(queue)) return true;
    return false;
  }

  /** On a cluster: a work.lua call for `queue` has been waiting longer than STALL_MS (see round()). */
  private stalled(queue: string): boolean {
    const since = this.calling.get(queue);
    return this.engine.cluster && since !== undefined && since.length > 0 && performance.now() - since[0]! > STALL_MS;
  }

  /** One work.lua round trip: record `acks`, fetch up to `want` jobs and start them. Returns how many it started. */
  private async work(queue: string, acks: string[] | undefined, want: number): Promise<number> {
    const args: (string | number)[] = [this.workerId, this.limits.leaseMs, want, outcomeLines(acks)];
    const instrumented = want > 0 && this.engine.instrumented;
    if (instrumented) args.push('1');
    const started = performance.now();
    let calls = this.calling.get(queue);
    if (!calls) this.calling.set(queue, (calls = []));
    calls.push(started);
    let reply;
    try {
      reply = await this.outcomes.sent(queue, acks, () => this.engine.run('work', queue, args, this.held.get(queue)));
    } finally {
      calls.splice(calls.indexOf(started), 1);
      // a held-up call's queue was skipped meanwhile (its outcomes, its due jobs), and the loop may have gone to wait:
      // a token ends that wait to look at the queue again
      if (this.engine.cluster && performance.now() - started > STALL_MS) this.resume(queue);
    }
    const jobs = fetchedJobs(reply, queue, this.engine.retention.ttls(queue), instrumented);
    if (want > 0) {
      const timing = fetchTiming(reply);
      if (timing.waitMs === undefined || timing.waitMs < 0) this.due.delete(queue);
      else this.due.set(queue, performance.now() + timing.waitMs);
      if (timing.due.length) this.schedules.fire(queue, timing);
    }
    if (this.engine.events.timings) {
      for (const job of jobs) {
        job.ranAt = performance.now();
        this.running.start(job);
      }
    } else {
      for (const job of jobs) this.running.start(job);
    }
    this.engine.outbox.after(queue, reply).catch((err: unknown) => this.engine.backgroundError(`worker ${this.workerId} outbox`, err));
    return jobs.length;
  }

  /** While the loop is blocked waiting for new work, outcomes are sent on their own, batched per event-loop turn. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushing = this.flushing.then(() => this.flush()).catch((err: unknown) => this.engine.backgroundError(`worker ${this.workerId} flush`, err));
    });
  }

  private async flush(): Promise<void> {
    const queues = [...this.outcomes.queues()];
    await Promise.all(queues.map((q) => this.work(q, this.outcomes.take(q), 0)));
  }
}
