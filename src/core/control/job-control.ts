import type { Engine } from '../engine.js';
import { InvalidJobStateError, JobNotFoundError } from '../model/errors.js';
import type { JsonObject } from '../model/types.js';
import type { JobEvents } from '../events/job-events.js';
import type { JobWriter } from '../run/run-context.js';

/** State changes asked of one job from outside its run: cancel, requeue, promote, stop, delete, and a running job's meta. */
export class JobControl {
  constructor(private readonly engine: Engine) {}

  async cancel(queue: string, id: string): Promise<void> {
    await this.change('cancel', queue, id, 'queued, deferred or scheduled');
  }

  async requeue(queue: string, id: string): Promise<void> {
    await this.change('requeue', queue, id, 'failed, canceled, stopped or expired');
  }

  /** Makes a scheduled job (delayed, or waiting a retry's backoff) runnable now: it joins its queue. */
  async promote(queue: string, id: string): Promise<void> {
    await this.change('promote', queue, id, 'scheduled');
  }

  /** Stops a running job: status `stopped` now; its worker hears of it (stop channel) and aborts it. */
  async stop(queue: string, id: string): Promise<void> {
    await this.change('stop', queue, id, 'started');
  }

  async delete(queue: string, id: string): Promise<boolean> {
    const reply = await this.engine.run('delete', queue, [id]);
    await this.engine.outbox.after(queue, reply);
    const deleted = Number(reply[1]) === 1;
    if (deleted) await this.engine.ids.release(id, queue);
    return deleted;
  }

  /** Stores a running job's meta, while `worker` still holds it on `attempt`. */
  async saveMeta(queue: string, id: string, worker: string, attempt: number, meta: JsonObject): Promise<void> {
    await this.engine.run('set-meta', queue, [id, worker, attempt, JSON.stringify(meta)]);
  }

  /** Stores a running job's progress (JSON), while `worker` still holds it on `attempt`; false when it no longer does. */
  async saveProgress(queue: string, id: string, worker: string, attempt: number, json: string): Promise<boolean> {
    return Number((await this.engine.run('set-progress', queue, [id, worker, attempt, json]))[1]) === 1;
  }

  private async change(script: 'cancel' | 'requeue' | 'promote' | 'stop', queue: string, id: string, allowed: string): Promise<void> {
    const reply = await this.engine.run(script, queue, [id]);
    const [, outcome, status] = reply as [number, string, string];
    if (outcome === 'missing') throw new JobNotFoundError(id);
    if (outcome === 'state') throw new InvalidJobStateError(id, status, script, allowed);
    await this.engine.outbox.after(queue, reply);
  }
}

/**
 * What the runs of worker `worker` (or a sync-mode process) store through `control`: meta, and progress, which is
 * reported as a `progress` job event once stored (not for a job this worker no longer holds).
 */
export function jobWriter(control: JobControl, events: JobEvents, worker: string): JobWriter {
  return {
    meta: (job, meta) => control.saveMeta(job.queue, job.id, worker, job.attempt, meta),
    progress: async (job, value, json) => {
      if (await control.saveProgress(job.queue, job.id, worker, job.attempt, json)) events.progress(job, worker, value);
    },
  };
}
