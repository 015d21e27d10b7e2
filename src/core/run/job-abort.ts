/**
 * A job's abort switch whose AbortController is created only when the handler reads `ctx.signal`, since building one
 * (an EventTarget) is a large share of a short job's cost (bench/results/tuning.md). An abort that comes before the
 * first read is remembered, so the signal handed out later is already aborted with the same reason.
 */
export class JobAbort {
  private controller: AbortController | null = null;
  private aborted = false;
  private reason: unknown = undefined;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Aborts the signal (now, or when it is first read); later calls keep the first reason, like AbortController. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
