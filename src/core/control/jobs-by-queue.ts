import { InvalidOptionError } from '../model/errors.js';
import type { JobLocator } from '../inspect/job-locator.js';
import type { BulkProgress, ManyJobsOutcome } from './queue-control.js';

/**
 * Runs a bulk action (`run`, one queue's ids at a time) over jobs named by id: those of `options.queue`, else found
 * wherever they are (one locate for all), queue by queue; ids found nowhere are reported missing, progress counted
 * over all of them.
 */
export async function jobsByQueue(
  locator: JobLocator,
  ids: string[],
  options: { queue?: string; onProgress?: BulkProgress },
  run: (queue: string, ids: string[], progress?: BulkProgress) => Promise<ManyJobsOutcome>,
): Promise<ManyJobsOutcome> {
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || id === '')) throw new InvalidOptionError('ids', ids, 'an array of job ids');
  if (options.queue !== undefined) return run(options.queue, ids, options.onProgress);
  const where = await locator.locate(ids);
  const byQueue = new Map<string, string[]>();
  const out: ManyJobsOutcome = { done: [], missing: ids.filter((id) => !where.has(id)), refused: [] };
  for (const [id, loc] of where) {
    const list = byQueue.get(loc.queue);
    if (list) list.push(id);
    else byQueue.set(loc.queue, [id]);
  }
  let before = 0;
  for (const [queue, list] of byQueue) {
    const part = await run(queue, list, options.onProgress && ((done) => options.onProgress!(before + done, where.size)));
    before += list.length;
    out.done.push(...part.done);
    out.missing.push(...part.missing);
    out.refused.push(...part.refused);
  }
  return out;
}
