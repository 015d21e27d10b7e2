import {
  DELETE_STATUSES,
  JoblineError,
  REQUEUE_STATUSES,
  assertQueueName,
  type DeleteStatus,
  type QueueClient,
  type RequeueStatus,
} from '../core/index.js';

/** An action: what it does, whether to ask first, and where to go after. */
export interface ActionSpec {
  /** the question asked before it runs, or null: it runs at once */
  confirm: (f: Fields) => string | null;
  run: (f: Fields) => Promise<string>;
  /** the page to show after it (a path under the dashboard) */
  then: (f: Fields) => string;
}
export type Fields = Record<string, string>;

/**
 * The dashboard's actions by the name its forms POST to (`actions/<name>`): each checks its form's fields, asks first
 * when it destroys something, and says in a sentence what it did.
 */
export function dashboardActions(c: QueueClient): Record<string, ActionSpec> {
  const queue = (f: Fields) => checkedQueue(f.queue);
  const id = (f: Fields) => {
    if (!f.id) throw new JoblineError('The form names no job (field id).');
    return f.id;
  };
  const jobPath = (f: Fields) => `jobs/${encodeURIComponent(f.id ?? '')}?queue=${encodeURIComponent(f.queue ?? '')}`;
  const queuePath = (f: Fields, status?: string) => `queues/${encodeURIComponent(f.queue ?? '')}${status ? `?status=${status}` : ''}`;
  const status = <S extends string>(f: Fields, allowed: readonly S[]): S => {
    if (!(allowed as readonly string[]).includes(f.status ?? '')) throw new JoblineError(`Status "${f.status}" is not one of ${allowed.join(', ')}.`);
    return f.status as S;
  };
  return {
    requeue: { confirm: () => null, run: async (f) => (await c.requeueJob(queue(f), id(f)), `Job ${f.id} requeued.`), then: jobPath },
    promote: { confirm: () => null, run: async (f) => (await c.promoteJob(queue(f), id(f)), `Job ${f.id} runs now.`), then: jobPath },
    cancel: { confirm: (f) => `Cancel job ${f.id} of queue ${f.queue}?`, run: async (f) => (await c.cancelJob(queue(f), id(f)), `Job ${f.id} canceled.`), then: jobPath },
    stop: { confirm: (f) => `Stop running job ${f.id} of queue ${f.queue}?`, run: async (f) => (await c.stopJob(id(f), queue(f)), `Job ${f.id} asked to stop.`), then: jobPath },
    delete: {
      confirm: (f) => `Delete job ${f.id} of queue ${f.queue}? This cannot be undone.`,
      run: async (f) => ((await c.deleteJob(queue(f), id(f))) ? `Job ${f.id} deleted.` : `Job ${f.id} was already gone.`),
      then: (f) => queuePath(f),
    },
    'requeue-all': {
      confirm: (f) => `Requeue every ${f.status} job of queue ${f.queue}?`,
      run: async (f) => `${await c.requeueAll(queue(f), status<RequeueStatus>(f, REQUEUE_STATUSES))} ${f.status} jobs requeued.`,
      then: (f) => queuePath(f, f.status),
    },
    'delete-all': {
      confirm: (f) => `Delete every ${f.status} job of queue ${f.queue}? This cannot be undone.`,
      run: async (f) => `${await c.deleteAll(queue(f), status<DeleteStatus>(f, DELETE_STATUSES))} ${f.status} jobs deleted.`,
      then: (f) => queuePath(f, f.status),
    },
    empty: {
      confirm: (f) => `Empty queue ${f.queue}: delete all its queued jobs? This cannot be undone.`,
      run: async (f) => `${await c.emptyQueue(queue(f))} queued jobs deleted.`,
      then: (f) => queuePath(f),
    },
    pause: { confirm: () => null, run: async (f) => ((await c.pauseQueue(queue(f))) ? `Queue ${f.queue} paused.` : `Queue ${f.queue} was paused already.`), then: () => '' },
    resume: { confirm: () => null, run: async (f) => ((await c.resumeQueue(queue(f))) ? `Queue ${f.queue} resumed.` : `Queue ${f.queue} was not paused.`), then: () => '' },
    'remove-schedule': {
      confirm: (f) => `Remove schedule ${f.schedule}? Its jobs already enqueued stay.`,
      run: async (f) => ((await c.removeSchedule(f.schedule ?? '')) ? `Schedule ${f.schedule} removed.` : `Schedule ${f.schedule} was already gone.`),
      then: () => 'schedules',
    },
    'run-schedule': {
      confirm: () => null,
      run: async (f) => {
        const job = await c.runSchedule(f.schedule ?? '');
        if (!job) throw new JoblineError(`No schedule "${f.schedule}".`);
        return `Schedule ${f.schedule} ran now: job ${job.id}.`;
      },
      then: () => 'schedules',
    },
  };
}

function checkedQueue(q: string | undefined): string {
  assertQueueName(q);
  return q!;
}

