import { specOptions, type JobSpec } from './job-options.js';

/**
 * enqueue.lua's ARGV for `specs[from..to)`: mode, worker, lease ms, job count, the job records packed in one string,
 * then the distinct job names (see the script's header). One string for the whole batch, not values per job: ioredis
 * serialises a command value by value, and Redis makes an object of each value; that was most of enqueue's cost.
 * Ids, data and options never hold TAB or LF (ids are [A-Za-z0-9_.-], the rest is JSON, which escapes control
 * characters); a job name may hold anything, so names go as values of their own, referred to by number.
 */
export function enqueueArgs(specs: readonly JobSpec[], from: number, to: number, mode: string, worker: string, leaseMs: number): (string | number)[] {
  const args: (string | number)[] = [mode, worker, leaseMs, to - from, ''];
  // nearly every batch has one name: remember the last one instead of asking the map each time
  let lastName = '';
  let lastK = 0;
  let byName: Map<string, number> | undefined;
  let records = '';
  for (let i = from; i < to; i++) {
    const s = specs[i]!;
    if (s.name !== lastName || lastK === 0) {
      byName ??= new Map();
      let k = byName.get(s.name);
      if (k === undefined) {
        args.push(s.name);
        k = args.length - 5; // ARGV[5 + k] in the script: args[4 + k] here
        byName.set(s.name, k);
      }
      lastName = s.name;
      lastK = k;
    }
    records += (s.chosenId ? '1' : '0') + s.id + '\t' + lastK + '\t' + s.data + '\t' + specOptions(s) + '\n';
  }
  args[4] = records;
  return args;
}
