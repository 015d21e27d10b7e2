import { Injectable } from '@nestjs/common';

/**
 * Stands in for an audit trail (a table, a log shipper). Callbacks and handlers reach it through DI; the demo reads
 * it back to show what the callbacks did. In-memory is enough here because the demo's consumer runs in this process.
 */
@Injectable()
export class AuditLog {
  private readonly lines: string[] = [];
  private waiters: { match: (line: string) => boolean; resolve: () => void }[] = [];

  record(line: string): void {
    this.lines.push(line);
    // Wake whoever waits for this line; the others keep waiting.
    this.waiters = this.waiters.filter((w) => (w.match(line) ? (w.resolve(), false) : true));
  }

  /** Every line so far, in the order they were recorded. */
  all(): readonly string[] {
    return [...this.lines];
  }

  /**
   * Resolves true once a matching line is (or already was) recorded, false after `ms`. Needed because some work
   * happens after the job's status is already visible (onStopped runs once the worker hears of the stop).
   */
  waitFor(match: (line: string) => boolean, ms: number): Promise<boolean> {
    if (this.lines.some(match)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, ms);
      const waiter = { match, resolve: () => (clearTimeout(timer), resolve(true)) };
      this.waiters.push(waiter);
    });
  }
}
