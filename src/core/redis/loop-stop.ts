/** What LoopStop.race() gives once stop() was called before the call settled. */
export const STOPPED: unique symbol = Symbol('stopped');

/**
 * The stop of a loop around blocking reads (BLPOP, BLMOVE, XREAD) on a connection of its own. Closing such a loop
 * disconnects its connection, but a loop must not wait for the read to settle: ioredis keeps a command that was in
 * flight when the connection dropped for a resend once it is ready again, and a connection disconnected before then
 * (Redis restarting, or down) never settles it, nor a command queued offline meanwhile. So the loop races its reads
 * and its back-off pauses with the stop.
 */
export class LoopStop {
  private release: () => void = () => undefined;
  private readonly stopped = new Promise<typeof STOPPED>((resolve) => (this.release = () => resolve(STOPPED)));

  stop(): void {
    this.release();
  }

  /** `call`'s outcome, or STOPPED once stop() is called first (the call is then left to settle, or never). */
  race<T>(call: Promise<T>): Promise<T | typeof STOPPED> {
    return Promise.race([call, this.stopped]);
  }

  /** Resolves after `ms`, or at stop() if sooner (the timer does not outlive it). */
  async pause(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.stopped, new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }
}
