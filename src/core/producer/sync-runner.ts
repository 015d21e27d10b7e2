import type { JobControl } from '../control/job-control.js';
import { encodeCallbackSet } from '../model/callback-set.js';
import type { Engine } from '../engine.js';
import { DEFAULTS } from '../model/defaults.js';
import { UnknownJobError } from '../model/errors.js';
import type { HandlerRegistry, JobHandlerDefinition } from '../model/handler-registry.js';
import type { JobHandle } from '../model/job-handle.js';
import { specData, type JobSpec } from '../model/job-spec.js';
import { newWorkerId } from '../model/worker-id.js';
import { joinData } from '../redis/job-hash.js';
import { DATA_FIELDS, storedNumber } from '../redis/stored-names.js';
import { outcomeLines, outcomeRecord, type FetchedJob } from '../redis/work-codec.js';
import { JobAbort } from '../run/job-abort.js';
import { runJob } from '../run/job-runner.js';
import { failure, type Outcome } from '../run/outcome.js';
import { parentsFirst } from './dependencies.js';
import type { JobStore } from './job-store.js';

/**
 * Sync mode (`isAsync: false`): each job is stored as started by this process, run here through the same handlers,
 * and its outcome recorded as a worker's would be, before enqueue returns.
 */
export class SyncRunner {
  private readonly worker = newWorkerId('sync');

  constructor(
    private readonly engine: Engine,
    private readonly store: JobStore,
    private readonly registry: HandlerRegistry | undefined,
    private readonly control: JobControl,
  ) {}

  /** Runs `specs` in the order given, except that a job of the same call that another depends on runs first. */
  async run(specs: JobSpec[], defs: (JobHandlerDefinition | undefined)[]): Promise<JobHandle[]> {
    const worker = this.worker;
    const handles: JobHandle[] = new Array(specs.length);
    for (const i of parentsFirst(specs)) {
      const spec = specs[i]!;
      const leaseMs = spec.timeoutMs > 0 ? spec.timeoutMs + DEFAULTS.LEASE_MS : 86_400_000;
      const stored = await this.store.store([spec], 'claim', worker, leaseMs);
      handles[i] = stored.handles[0]!;
      if (!stored.created[0]) continue; // an existing job is returned as it is
      // deferred on a dependency in another queue that the outbox (drained by store) has since found met: run it now
      if (stored.statuses[0] === 'deferred' && Number((await this.engine.run('claim', spec.queue, [spec.id, worker, leaseMs]))[1]) !== 1) continue;
      const fetched: Pick<FetchedJob, 'id' | 'attempt' | 'resultTtl' | 'failureTtl'> = {
        id: spec.id,
        attempt: 1,
        resultTtl: storedNumber(spec.resultTtlMs, DEFAULTS.RESULT_TTL_MS),
        failureTtl: storedNumber(spec.failureTtlMs, DEFAULTS.FAILURE_TTL_MS),
      };
      const outcome: Outcome = defs[i] ? await this.runOne(spec, fetched, worker) : failure(new UnknownJobError(spec.name, this.registry?.names() ?? []));
      const reply = await this.engine.run('work', spec.queue, [worker, 0, 0, outcomeLines([outcomeRecord(fetched, outcome.kind, outcome.payload)])], {
        held: this.engine.queue(spec.queue).held(worker),
      });
      await this.engine.outbox.after(spec.queue, reply);
      // sync mode runs the job here, so this process's listeners hear of it as of a worker's job
      const events = this.engine.events;
      const job = { id: spec.id, name: spec.name, queue: spec.queue, attempt: 1 };
      if (outcome.kind === 'finished') events.completed(job, worker, outcome.payload);
      else events.failed(job, worker, outcome.payload);
    }
    return handles;
  }

  private async runOne(spec: JobSpec, fetched: Pick<FetchedJob, 'id' | 'attempt' | 'resultTtl' | 'failureTtl'>, worker: string): Promise<Outcome> {
    const job: FetchedJob = {
      ...fetched,
      name: spec.name,
      queue: spec.queue,
      // a pipe got its data from its dependency's result in Redis (enqueue.lua, or the outbox)
      data: spec.pipeFrom ? joinData(...(await this.engine.redis.hmget(this.engine.queue(spec.queue).job(spec.id), ...DATA_FIELDS))) : specData(spec),
      timeoutMs: spec.timeoutMs,
      meta: spec.meta,
      callbacks: encodeCallbackSet(spec.callbacks),
    };
    return runJob(job, this.registry!, new JobAbort(), (_job, meta) => this.control.saveMeta(spec.queue, spec.id, worker, 1, meta));
  }
}
