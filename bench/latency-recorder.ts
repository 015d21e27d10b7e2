import { percentile } from './stats.js';
import type { Metrics } from './types.js';

/** Enqueue-to-start delays, one slot per job, in a typed array so recording allocates nothing on the hot path. */
export class LatencyRecorder {
  private readonly ms: Float64Array;
  private n = 0;

  constructor(capacity: number) {
    this.ms = new Float64Array(capacity);
  }

  /** `sentAt` is the performance.now() the producer stamped into the payload just before enqueueing. */
  record(sentAt: number | undefined): void {
    if (sentAt !== undefined && this.n < this.ms.length) this.ms[this.n++] = performance.now() - sentAt;
  }

  metrics(): Metrics {
    const sorted = this.ms.slice(0, this.n).sort();
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: percentile(sorted, 100) };
  }
}
