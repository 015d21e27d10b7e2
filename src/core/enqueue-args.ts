import { specData, specOptions, type JobSpec } from './job-options.js';

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
  let lastName: string | undefined;
  let sep = ''; // '\t<k>\t' of the last name
  let byName: Map<string, string> | undefined;
  // joined once, not concatenated: a string built by += is a tree of pieces that is copied flat again on sending
  const parts: string[] = new Array((to - from) * 5);
  let p = 0;
  for (let i = from; i < to; i++) {
    const s = specs[i]!;
    if (s.name !== lastName) {
      byName ??= new Map();
      let known = byName.get(s.name);
      if (known === undefined) {
        args.push(s.name);
        known = `\t${args.length - 5}\t`; // k: the name is ARGV[5 + k] in the script, args[4 + k] here
        byName.set(s.name, known);
      }
      lastName = s.name;
      sep = known;
    }
    const options = specOptions(s);
    parts[p++] = s.chosenId ? '1' : '0';
    parts[p++] = s.id;
    parts[p++] = sep;
    parts[p++] = specData(s);
    parts[p++] = options === '' ? '\t\n' : `\t${options}\n`;
  }
  args[4] = parts.join('');
  return args;
}
