import type { Scale } from './config.js';
import type { Environment } from './environment.js';
import { formatFigure, formatRatio, markdownTable } from './format.js';
import type { Summary } from './stats.js';
import type { FloorShare, MetricResult, ScenarioResult } from './summary.js';
import type { Contender } from './types.js';

const COLUMNS: [Contender, string][] = [
  ['jobline', 'Jobline'],
  ['bullmq', 'BullMQ'],
  ['redis', 'Redis floor'],
];

function cell(s: Summary | undefined, unit: string): string {
  if (!s) return '';
  if (s.runs.length === 1) return formatFigure(s.median, unit);
  return `${formatFigure(s.median, unit)} (${formatFigure(s.min, unit)} .. ${formatFigure(s.max, unit)})`;
}

function valueCell(result: ScenarioResult, metric: MetricResult, c: Contender): string {
  const na = result.notApplicable[c];
  if (na !== undefined) return `n/a (${na})`;
  if (result.errors[c] && !metric.values[c]) return 'FAILED';
  return cell(metric.values[c], metric.unit);
}

function targetCell(m: MetricResult): string {
  if (!m.target) return '';
  const verdict = m.met === null ? '' : m.met ? ' met' : ' MISSED';
  return `${m.target.op} ${m.target.ratio}x${verdict}`;
}

/** The results as one Markdown table: median (min .. max) per contender, the ratio, and issue 4's target. */
export function renderTable(results: ScenarioResult[]): string {
  const used = COLUMNS.filter(([c]) => results.some((r) => r.metrics.some((m) => m.values[c]) || r.notApplicable[c] !== undefined));
  const header = ['scenario', 'figure', ...used.map(([, label]) => label), 'Jobline/BullMQ', 'target'];
  const rows: string[][] = [];
  for (const r of results) {
    r.metrics.forEach((m, i) => {
      rows.push([i === 0 ? r.title : '', m.label, ...used.map(([c]) => valueCell(r, m, c)), formatRatio(m.ratio), targetCell(m)]);
    });
  }
  return markdownTable(header, rows);
}

export function renderHeader(scale: Scale, env: Environment, payloadBytes: number): string {
  return [
    `Jobline ${env.jobline} (${env.commit}) vs BullMQ ${env.bullmq} (ioredis ${env.ioredis}), Redis ${env.redis}, Node ${env.node}`,
    `${env.cpus} cores (${env.cpuModel}), ${env.memoryGb} GB, ${env.platform}`,
    `${scale.name} scale: ${scale.jobs.toLocaleString('en-US')} jobs of ${payloadBytes} B JSON, batches of ${scale.batch}, ` +
      `${scale.inFlight} enqueues in flight, worker concurrency ${scale.concurrency}, latency at ${scale.latencyRate}/s for ${scale.latencySeconds} s, ` +
      `fan size ${scale.fanSize.toLocaleString('en-US')}, ${scale.rounds} rounds, alternating; median (min .. max)`,
  ].join('\n');
}

export function renderFloorShares(shares: FloorShare[]): string {
  return shares.map((s) => `  ${s.what}: ${(s.share * 100).toFixed(0)}%`).join('\n');
}

/** Broken guarantees, impossible to miss at the end of a long log. */
export function renderFailures(failures: string[]): string {
  const bar = '!'.repeat(78);
  return [bar, `BENCHMARK FAILED: ${failures.length} check(s) did not hold`, ...failures.map((f) => `  - ${f}`), bar].join('\n');
}

/** Runs during which other processes took CPU, so a reader knows which figures a busy neighbour may have skewed. */
export function renderDisturbances(results: ScenarioResult[], threshold: number): string | null {
  const lines: string[] = [];
  for (const r of results) {
    for (const [c, cores] of Object.entries(r.foreignCores)) {
      if (cores >= threshold) lines.push(`  ${r.id} ${c}: up to ${cores.toFixed(2)} cores used by other processes during a run`);
    }
  }
  return lines.length ? `WARNING: the machine was not quiet; these figures may be skewed:\n${lines.join('\n')}` : null;
}
