import type { RunContext } from './types.js';

/**
 * Counts handler invocations per job id: the proof that no job ran twice and none was skipped. The handler calls
 * `hit` first thing; `whenAll` resolves the moment the expected number of invocations has happened.
 */
export class Invocations {
  private readonly counts = new Map<string, number>();
  private total = 0;
  private readonly target: number;
  private reached!: () => void;
  /** Resolves once `expected` invocations have happened (duplicates included, so a rerun cannot hide a miss for long). */
  readonly whenAll: Promise<void>;

  constructor(expected: number) {
    this.target = expected;
    this.whenAll = new Promise<void>((r) => (this.reached = r));
    if (expected === 0) this.reached();
  }

  hit(id: string): void {
    this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
    if (++this.total === this.target) this.reached();
  }

  get count(): number {
    return this.total;
  }

  /** Every id in `ids` ran exactly once and nothing else ran. Failures go to ctx.check with a few examples. */
  verify(ctx: RunContext, label: string, ids: readonly string[]): void {
    const missing: string[] = [];
    const twice: string[] = [];
    for (const id of ids) {
      const n = this.counts.get(id) ?? 0;
      if (n === 0) missing.push(id);
      else if (n > 1) twice.push(`${id} x${n}`);
    }
    const expected = new Set(ids);
    const unexpected = [...this.counts.keys()].filter((id) => !expected.has(id));
    ctx.check(missing.length === 0, `${label}: ${missing.length} of ${ids.length} jobs never ran ${sample(missing)}`);
    ctx.check(twice.length === 0, `${label}: ${twice.length} jobs ran more than once ${sample(twice)}`);
    ctx.check(unexpected.length === 0, `${label}: ${unexpected.length} unexpected job ids ran ${sample(unexpected)}`);
  }
}

export function sample(items: readonly string[]): string {
  return items.length ? `(e.g. ${items.slice(0, 5).join(', ')})` : '';
}
