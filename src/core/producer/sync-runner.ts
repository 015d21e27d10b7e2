import { jobWriter, type JobControl } from '../control/job-control.js';
import type { JobWriter } from '../run/run-context.js';
import { encodeCallbackSet } from '../model/callback-set.js';
import type { Engine } from '../engine.js';
import { DEFAULTS } from '../model/defaults.js';
import { UnknownJobError } from '../model/errors.js';
import type { HandlerRegistry, JobHandlerDefinition } from '../model/handler-registry.js';
import type { JobHandle } from '../model/job-handle.js';
import { specData, type JobSpec } from '../model/job-spec.js';
import { newWorkerId } from '../model/worker-id.js';
import { joinData } from '../redis/job-hash.js';
import { DATA_FIELDS, JOB_FIELD, storedNumber } from '../redis/stored-names.js';
import { jobOutcomeTtls } from '../model/retention.js';
import { fetchedFromHash, markUnique, outcomeLines, outcomeRecord, type FetchedJob } from '../redis/work-codec.js';
import { encodeRetryPolicy } from '../scheduler/retry-policy.js';
import { JobAbort } from '../run/job-abort.js';
import { runJob } from '../run/job-runner.js';
import { failure, reportOutcome, type Outcome } from '../run/outcome.js';
import { parentsFirst } from './dependencies.js';
import type { JobStore } from './job-store.js';

/**
 * Sync mode (`isAsync: false`): each job is stored as started by this process, run here through the same handlers,
 * and its outcome recorded as a worker's would be, before enqueue returns. A failed run that its `retry` gives
 * another is run again at once (its backoff is not waited, so tests stay fast); a delayed job stays `scheduled`
 * until promote() runs it here (runQueued).
 */
export class SyncRunner {
  private readonly worker = newWorkerId('sync');
  /** stores meta and progress for this process's runs */
  private readonly writer: JobWriter;

  constructor(
    private readonly engine: Engine,
    private readonly store: JobStore,
    private readonly registry: HandlerRegistry | undefined,
    private readonly control: JobControl,
  ) {
    this.writer = jobWriter(control, engine.events, this.worker);
  }

  /** Runs `specs` in the order given, except that a job of the same call that another depends on runs first. */
  async run(specs: JobSpec[], defs: (JobHandlerDefinition | undefined)[]): Promise<JobHandle[]> {
    const worker = this.worker;
    const handles: JobHandle[] = new Array(specs.length);
    for (const i of parentsFirst(specs)) {
      const spec = specs[i]!;
      const leaseMs = leaseFor(spec.timeoutMs);
      const stored = await this.store.store([spec], 'claim', worker, leaseMs);
      handles[i] = stored.handles[0]!;
      if (!stored.created[0]) continue; // an existing job is returned as it is
      // a delayed job waits for promote(); a dependent's dependencies may still be pending
      if (stored.statuses[0] === 'scheduled') continue;
      let attempt = 1;
      // deferred on a dependency in another queue that the outbox (drained by store) has since found met: run it now
      if (stored.statuses[0] === 'deferred') {
        attempt = await this.claim(spec.queue, spec.id, leaseMs);
        if (attempt === 0) continue;
      }
      const ttls = jobOutcomeTtls(
        this.engine.retention.ttls(spec.queue),
        storedNumber(spec.resultTtlMs, DEFAULTS.RESULT_TTL_MS),
        storedNumber(spec.failureTtlMs, DEFAULTS.FAILURE_TTL_MS),
        spec.keep,
      );
      const fetched: FetchedJob = {
        id: spec.id,
        name: spec.name,
        queue: spec.queue,
        data: '',
        attempt,
        timeoutMs: spec.timeoutMs,
        meta: spec.meta,
        callbacks: encodeCallbackSet(spec.callbacks),
        resultTtl: ttls.finished,
        failureTtl: ttls.failed,
        retry: encodeRetryPolicy(spec.retry),
        retries: 0,
        group: spec.group?.id ?? '',
        // run at once, in the caller's process and trace
        waitMs: 0,
        traceparent: '',
        ranAt: 0,
        durationMs: -1,
      };
      if (spec.unique) markUnique(fetched);
      const outcome: Outcome = defs[i] ? await this.runOne(spec, fetched) : failure(new UnknownJobError(spec.name, this.registry?.names() ?? []));
      if (await this.record(fetched, outcome)) await this.runQueued(spec.queue, spec.id);
    }
    return handles;
  }

  /**
   * Runs job `id` of `queue` here if it is queued (a promoted job, a retry): claims it as started by this process,
   * runs it from its stored fields, records the outcome, and runs each retry at once. Returns false when the job was
   * not queued (a worker took it first, or it is still deferred).
   */
  async runQueued(queue: string, id: string): Promise<boolean> {
    for (;;) {
      const hash = await this.engine.redis.hgetall(this.engine.queue(queue).job(id));
      const leaseMs = leaseFor(hash[JOB_FIELD.timeout] ? Number(hash[JOB_FIELD.timeout]) : DEFAULTS.TIMEOUT_MS);
      const attempt = await this.claim(queue, id, leaseMs);
      if (attempt === 0) return false;
      const job = fetchedFromHash(id, queue, attempt, hash, this.engine.retention.ttls(queue));
      const outcome = this.registry?.get(job.name)
        ? await runJob(job, this.registry, new JobAbort(), this.writer)
        : failure(new UnknownJobError(job.name, this.registry?.names() ?? []));
      if (!(await this.record(job, outcome))) return true;
    }
  }

  /** Claims a queued job for this process; the attempt it starts, or 0 when it was not queued. */
  private async claim(queue: string, id: string, leaseMs: number): Promise<number> {
    return Number((await this.engine.run('claim', queue, [id, this.worker, leaseMs]))[1]);
  }

  /**
   * Records an outcome as a worker would, and reports it to this process's listeners as a worker's job would be;
   * true when it was a retry (which sync mode runs at once, unwaited).
   */
  private async record(job: FetchedJob, outcome: Outcome): Promise<boolean> {
    const retry = outcome.kind === 'retry';
    const reply = await this.engine.run('work', job.queue, [this.worker, 0, 0, outcomeLines([outcomeRecord(job, outcome.kind, outcome.payload, 0)])], {
      held: this.engine.queue(job.queue).held(this.worker),
    });
    await this.engine.outbox.after(job.queue, reply);
    reportOutcome(this.engine.events, job, this.worker, retry ? { ...outcome, retryDelayMs: 0 } : outcome);
    return retry;
  }

  private async runOne(spec: JobSpec, fetched: FetchedJob): Promise<Outcome> {
    // a pipe got its data from its dependency's result in Redis (enqueue.lua, or the outbox)
    fetched.data = spec.pipeFrom ? joinData(...(await this.engine.redis.hmget(this.engine.queue(spec.queue).job(spec.id), ...DATA_FIELDS))) : specData(spec);
    return runJob(fetched, this.registry!, new JobAbort(), this.writer);
  }
}

/** A lease long enough for the whole run (the sync process renews nothing). */
function leaseFor(timeoutMs: number): number {
  return timeoutMs > 0 ? timeoutMs + DEFAULTS.LEASE_MS : 86_400_000;
}
