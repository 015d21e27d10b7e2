import type { JobSpec } from '../model/job-spec.js';
import type { JobLocator } from '../inspect/job-locator.js';

/**
 * Gives every dependency of `specs` its queue: a job of the same call is known ("in batch": it may not exist yet when
 * its dependent is written); a bare id is looked up in every queue, and one found nowhere is dropped (it counts as
 * met). Dependencies in other queues are registered (through the outbox) only once the whole call is stored.
 */
export async function resolveDependencies(specs: JobSpec[], locator: JobLocator): Promise<void> {
  if (!specs.some((s) => s.deps.length > 0)) return;
  const inBatch = new Map<string, string>();
  for (const s of specs) inBatch.set(s.id, s.queue);
  const unknown = new Set<string>();
  for (const s of specs) {
    for (const d of s.deps) {
      const q = inBatch.get(d.id);
      if (q !== undefined && (d.queue === undefined || d.queue === q)) {
        d.queue = q;
        d.inBatch = true;
      } else if (d.queue === undefined) unknown.add(d.id);
    }
  }
  if (!unknown.size) return;
  const found = await locator.locate([...unknown]);
  for (const s of specs) {
    s.deps = s.deps.filter((d) => {
      if (d.queue !== undefined) return true;
      d.queue = found.get(d.id)?.queue;
      return d.queue !== undefined;
    });
  }
}

/** Indexes of `specs` in their order, each moved after the jobs of the same call it depends on (cycles keep order). */
export function parentsFirst(specs: JobSpec[]): number[] {
  const at = new Map(specs.map((s, i) => [`${s.queue}|${s.id}`, i]));
  const order: number[] = [];
  const state = new Array<0 | 1 | 2>(specs.length).fill(0); // 0 new, 1 visiting, 2 placed
  const visit = (i: number): void => {
    if (state[i] !== 0) return;
    state[i] = 1;
    for (const d of specs[i]!.deps) {
      const j = d.inBatch ? at.get(`${d.queue}|${d.id}`) : undefined;
      if (j !== undefined) visit(j);
    }
    state[i] = 2;
    order.push(i);
  };
  specs.forEach((_, i) => visit(i));
  return order;
}
