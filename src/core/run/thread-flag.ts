// Kept on globalThis, not in a module variable: a thread's setup may load the package through another path than the
// thread entry did (a second copy of the module), and must still see the flag.
const FLAG = Symbol.for('jobline.jobThread');

/** Marks this thread as one of a Worker's job threads (thread-entry.ts). */
export function markJobThread(): void {
  (globalThis as Record<symbol, unknown>)[FLAG] = true;
}

/**
 * True inside a Worker's job thread. A Nest consumer built there (the thread's application context) registers its
 * handlers but starts no worker of its own.
 */
export function isJobThread(): boolean {
  return (globalThis as Record<symbol, unknown>)[FLAG] === true;
}
