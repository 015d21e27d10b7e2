import { SingleBar } from 'cli-progress';
import pc from 'picocolors';
import type { JobStatus } from '../core/index.js';

type Colors = ReturnType<typeof pc.createColors>;

/**
 * What a command prints: stable JSON (`--json`) for scripts, aligned tables and colour (only on a terminal, and
 * never with NO_COLOR) for people, a progress bar on stderr for bulk work when stderr is a terminal.
 */
export class Output {
  readonly colors: Colors;

  constructor(
    readonly json: boolean,
    /** report bulk progress even off a terminal: JSON lines with --json, plain lines otherwise */
    private readonly forceProgress = false,
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly err: NodeJS.WriteStream = process.stderr,
  ) {
    const color = !json && out.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
    this.colors = pc.createColors(color);
  }

  get isTTY(): boolean {
    return this.out.isTTY === true;
  }

  line(text = ''): void {
    this.out.write(`${text}\n`);
  }

  /** One JSON document (one line, so `--watch` output is JSON lines). */
  data(value: unknown): void {
    this.out.write(`${JSON.stringify(value)}\n`);
  }

  /** A message about the run (not its result): to stderr, so stdout stays the result. */
  note(text: string): void {
    this.err.write(`${text}\n`);
  }

  error(err: { name: string; message: string }): void {
    if (this.json) this.err.write(`${JSON.stringify({ error: { name: err.name, message: err.message } })}\n`);
    else this.err.write(`${this.colors.red('error')} ${err.message}\n`);
  }

  /** Columns aligned to their widest cell; numbers right-aligned. */
  table(headers: string[], rows: (string | number)[][], rightAligned: number[] = []): void {
    const cells = rows.map((r) => r.map((c) => String(c)));
    const widths = headers.map((h, i) => Math.max(visible(h), ...cells.map((r) => visible(r[i] ?? ''))));
    const pad = (text: string, i: number) => {
      const gap = ' '.repeat(widths[i]! - visible(text));
      return rightAligned.includes(i) ? gap + text : text + gap;
    };
    this.line(this.colors.bold(headers.map(pad).join('  ').trimEnd()));
    for (const r of cells) this.line(r.map(pad).join('  ').trimEnd());
  }

  status(status: JobStatus | string): string {
    const c = this.colors;
    switch (status) {
      case 'finished':
        return c.green(status);
      case 'failed':
      case 'expired':
        return c.red(status);
      case 'started':
        return c.cyan(status);
      case 'canceled':
      case 'stopped':
        return c.yellow(status);
      default:
        return status;
    }
  }

  /**
   * A progress bar for `total` items on a terminal's stderr; off a terminal, or with --json, nothing unless
   * --progress asked for a line per update (`{"progress":{"done","total"}}` with --json), which scripts can follow.
   */
  progress(label: string): { update(done: number, total: number): void; stop(): void } {
    if (this.forceProgress && (this.json || this.err.isTTY !== true)) {
      return {
        update: (done, total) => this.err.write(this.json ? `${JSON.stringify({ progress: { done, total } })}\n` : `${label}: ${done}/${total}\n`),
        stop() {},
      };
    }
    if (this.json || this.err.isTTY !== true) return { update() {}, stop() {} };
    let bar: SingleBar | null = null;
    return {
      update: (done, total) => {
        if (!bar) {
          bar = new SingleBar({ format: `${label} [{bar}] {value}/{total} ({percentage}%) {eta_formatted}`, stream: this.err, hideCursor: true });
          bar.start(total, 0);
        }
        bar.setTotal(total);
        bar.update(done);
      },
      stop: () => bar?.stop(),
    };
  }
}

/** Length as shown: ANSI colour codes take no room. */
function visible(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/** How long ago `d` was, in the largest whole unit (s, m, h, d). */
export function ago(d: Date | null, now = Date.now()): string {
  if (!d) return '-';
  return `${span(now - d.getTime())} ago`;
}

/** A duration in ms as its largest whole unit. */
export function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** A bar of `width` cells, filled in proportion to `value / max` (rq info's queue bars). */
export function bar(value: number, max: number, width = 20): string {
  if (max <= 0 || value <= 0) return '';
  return '█'.repeat(Math.max(1, Math.round((value / max) * width)));
}

/** `text` cut to `max` characters, with an ellipsis. */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
