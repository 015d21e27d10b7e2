import { InvalidOptionError } from './errors.js';

/** Queue names and job ids become parts of Redis keys: a small alphabet that never needs escaping. */
const NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** What names and ids accept, as error messages say it (the inbox script states the same texts). */
export const NAME_EXPECTED = {
  queue: 'a queue name of 1-128 characters from [A-Za-z0-9_.-]',
  jobId: 'an id of 1-128 characters from [A-Za-z0-9_.-]',
  name: 'a non-empty job name (the @Job name) of at most 256 characters, without lone UTF-16 surrogates',
} as const;

/** `option`: what the error names (a queue inside another option, e.g. `dependsOn[0].queue`). */
export function assertQueueName(queue: unknown, option = 'queue'): asserts queue is string {
  if (typeof queue !== 'string' || !NAME.test(queue)) {
    throw new InvalidOptionError(option, queue, NAME_EXPECTED.queue);
  }
}

/** `option`: what the error names (an id inside another option, e.g. `dependsOn[0]`). */
export function assertJobId(id: unknown, option = 'jobId'): asserts id is string {
  if (typeof id !== 'string' || !NAME.test(id)) {
    throw new InvalidOptionError(option, id, NAME_EXPECTED.jobId);
  }
}

export function assertPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(prefix)) {
    throw new InvalidOptionError('prefix', prefix, 'a key prefix of 1-64 characters from [A-Za-z0-9_.:-]');
  }
}

export function assertJobName(name: unknown): asserts name is string {
  // a lone UTF-16 surrogate has no UTF-8 form: Redis would store another name, which no handler has
  if (typeof name !== 'string' || name.trim() === '' || name.length > 256 || !name.isWellFormed()) {
    throw new InvalidOptionError('name', name, NAME_EXPECTED.name);
  }
}
