import { InvalidOptionError } from './errors.js';

const NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * Key layout. Every key of one queue starts with `<prefix>:{<queue>}:`, so a queue lives in one Redis Cluster slot
 * and each script touches one slot:
 *   job:<id>   hash of the job (fields: lib.lua)        queued   list, head runs first
 *   workers    zset worker id -> lease deadline (ms)     held:<worker>   set of "<id>|<attempt>" it runs (started)
 *   ttl        zset queued id -> expires-at (ms)         deferred  zset of jobs waiting on dependencies
 *   finished, failed, canceled, expired, stopped   zsets id -> when the entry expires (ms, inf = never)
 *   scheduled  zset (reserved)                           wake     list holding a wake-up token for blocked workers
 *   dependents:<id>, deps:<id>   sets of dependency links (lib.lua)   outbox   list of messages to other queues
 *   events     pub/sub channel for result() waiters      waiting  flag: someone waits on a result (expires)
 *   control    pub/sub channel to workers (stop)
 * Outside any queue: `<prefix>:queues`, a set of the queue names in use (for getJob and listings), and `<prefix>:ids`,
 * a hash of caller-chosen job id -> queue (job-id-index.ts).
 */
export function queueBase(prefix: string, queue: string): string {
  return `${prefix}:{${queue}}:`;
}

export function queuesKey(prefix: string): string {
  return `${prefix}:queues`;
}

export function assertQueueName(queue: unknown): asserts queue is string {
  if (typeof queue !== 'string' || !NAME.test(queue)) {
    throw new InvalidOptionError('queue', queue, 'a queue name of 1-128 characters from [A-Za-z0-9_.-]');
  }
}

export function assertJobId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !NAME.test(id)) {
    throw new InvalidOptionError('jobId', id, 'an id of 1-128 characters from [A-Za-z0-9_.-]');
  }
}

export function assertPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(prefix)) {
    throw new InvalidOptionError('prefix', prefix, 'a key prefix of 1-64 characters from [A-Za-z0-9_.:-]');
  }
}
