/** Rates and bytes as whole numbers with separators; milliseconds with the precision their size deserves. */
export function formatFigure(value: number | undefined, unit: string): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  if (unit === 'jobs/s' || unit === 'B/job') return Math.round(value).toLocaleString('en-US');
  // a percentage (a ratio to a baseline, or a spread of ratios), signed so +/- reads at a glance
  if (unit === '%') return `${value > 0 ? '+' : ''}${value.toFixed(1)}%`;
  const abs = Math.abs(value);
  return value.toFixed(abs < 10 ? 2 : abs < 100 ? 1 : 0);
}

export function formatRatio(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return '-';
  return `${ratio.toFixed(ratio < 10 ? 2 : 1)}x`;
}

/** Pads every column of a table to its widest cell, as a Markdown table (readable in a terminal and in the README). */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** A count with thousands separators. */
export function n(count: number): string {
  return count.toLocaleString('en-US');
}
