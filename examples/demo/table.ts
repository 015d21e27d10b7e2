/** Prints rows as a plain-text table; cells are cut to `max` characters so long errors keep the table readable. */
export function printTable(headers: string[], rows: string[][], max = 70): void {
  const cut = (s: string) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
  const cells = [headers, ...rows].map((r) => r.map(cut));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join(' | ').trimEnd();
  console.log(line(cells[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('-+-'));
  for (const r of cells.slice(1)) console.log(line(r));
}

/** One value as compact JSON for a table cell. */
export function show(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value);
}
