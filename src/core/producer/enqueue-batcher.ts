import type { JobHandle } from '../model/job-handle.js';
import type { JobSpec } from '../model/job-spec.js';

/** Jobs per coalesced call (see add): small enough that two or more batches overlap (bench/results/tuning.md). */
const MAX_BATCH = 25;

interface Waiting {
  spec: JobSpec;
  resolve: (h: JobHandle) => void;
  reject: (err: unknown) => void;
}

/**
 * Coalesces single enqueue() calls made in the same event-loop turn into one enqueue.lua call (the script takes
 * a batch anyway). A web server enqueueing one job per request otherwise pays a script call, and a socket write,
 * per job: that write path, not Redis, bounded single enqueues. Only jobs that were already validated are added,
 * so one caller's bad input never fails another's call; a Redis error rejects every call of that batch, as it
 * would have rejected each of them. Jobs keep their call order within and across batches (one connection).
 */
export class EnqueueBatcher {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(private readonly store: (specs: JobSpec[]) => Promise<JobHandle[]>) {}

  add(spec: JobSpec): Promise<JobHandle> {
    return new Promise<JobHandle>((resolve, reject) => {
      this.waiting.push({ spec, resolve, reject });
      // a full batch goes at once: with several smaller batches in flight, this process prepares the next while
      // Redis stores the last, instead of the two taking turns
      if (this.waiting.length >= MAX_BATCH) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not a microtask: callers woken by the same Redis reply enqueue in that reply's
        // microtasks, and all of them should land in this batch
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    const batch = this.waiting;
    if (!batch.length) return; // an early flush of a full batch already took them
    this.waiting = [];
    this.store(batch.map((w) => w.spec)).then(
      (handles) => batch.forEach((w, i) => w.resolve(handles[i]!)),
      (err: unknown) => batch.forEach((w) => w.reject(err)),
    );
  }
}
