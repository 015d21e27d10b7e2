import type { Scale } from './config.js';
import type { ContenderRuns, ScenarioRuns } from './runner.js';
import { summarize, type Summary } from './stats.js';
import type { Contender, MetricSpec, Target } from './types.js';

export interface MetricResult {
  key: string;
  label: string;
  unit: MetricSpec['unit'];
  better: MetricSpec['better'];
  values: Partial<Record<Contender, Summary>>;
  /** Jobline median / BullMQ median, when both ran. */
  ratio: number | null;
  target: Target | null;
  /** Whether the ratio meets issue 4's target; null without a target or a ratio. */
  met: boolean | null;
}

export interface ScenarioResult {
  id: string;
  title: string;
  /** Contenders that could not run it, with the reason ("dependsOn not implemented"). */
  notApplicable: Partial<Record<Contender, string>>;
  errors: Partial<Record<Contender, string[]>>;
  /** The most CPU (cores) other processes used during a run of each contender: figures above BUSY_CORES are suspect. */
  foreignCores: Partial<Record<Contender, number>>;
  metrics: MetricResult[];
}

/** Medians, spreads, ratios and target verdicts of every scenario that ran. */
export function summarizeAll(results: ScenarioRuns[], scale: Scale): ScenarioResult[] {
  return results.map(({ scenario, contenders }) => {
    const notApplicable: Partial<Record<Contender, string>> = {};
    const errors: Partial<Record<Contender, string[]>> = {};
    const foreignCores: Partial<Record<Contender, number>> = {};
    for (const [c, runs] of contenders) {
      if (runs.foreignCores !== undefined) foreignCores[c] = runs.foreignCores;
      if (runs.na !== undefined) notApplicable[c] = runs.na;
      if (runs.errors.length) errors[c] = runs.errors;
    }
    const metrics = scenario.metrics.map((spec): MetricResult => {
      const values: Partial<Record<Contender, Summary>> = {};
      for (const [c, runs] of contenders) {
        const figures = figuresOf(runs, spec.key);
        if (figures.length) values[c] = summarize(figures);
      }
      const j = values.jobline?.median;
      const b = values.bullmq?.median;
      const ratio = j !== undefined && b !== undefined && b !== 0 ? j / b : null;
      const target = spec.target ?? null;
      const met = target && ratio !== null ? (target.op === '>=' ? ratio >= target.ratio : ratio <= target.ratio) : null;
      return { key: spec.key, label: spec.label, unit: spec.unit, better: spec.better, values, ratio, target, met };
    });
    return { id: scenario.id, title: scenario.title(scale), notApplicable, errors, foreignCores, metrics };
  });
}

function figuresOf(runs: ContenderRuns, key: string): number[] {
  return runs.metrics.map((m) => m[key]).filter((v): v is number => v !== undefined && Number.isFinite(v));
}

/** How close each library's enqueue gets to bare Redis: median rate / the floor's median rate. */
export interface FloorShare {
  what: string;
  share: number;
}

export function floorShares(results: ScenarioResult[]): FloorShare[] {
  const floorOf = (key: string) => results.find((r) => r.id === 'floor')?.metrics.find((m) => m.key === key)?.values.redis?.median;
  const rateOf = (id: string, c: Contender) => results.find((r) => r.id === id)?.metrics.find((m) => m.key === 'rate')?.values[c]?.median;
  const out: FloorShare[] = [];
  const pairs: [string, string, Contender, string][] = [
    ['Jobline enqueue (50 in flight) vs pipelined floor', 'enqueue-single', 'jobline', 'pipelined'],
    ['BullMQ add (50 in flight) vs pipelined floor', 'enqueue-single', 'bullmq', 'pipelined'],
    ['Jobline enqueueMany vs batched floor', 'enqueue-bulk', 'jobline', 'batched'],
    ['BullMQ addBulk vs batched floor', 'enqueue-bulk', 'bullmq', 'batched'],
  ];
  for (const [what, id, c, floorKey] of pairs) {
    const r = rateOf(id, c);
    const f = floorOf(floorKey);
    if (r !== undefined && f !== undefined && f > 0) out.push({ what, share: r / f });
  }
  return out;
}
