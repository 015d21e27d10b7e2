/** Where the engine reports what it does not throw (a Nest app passes its Logger). */
export interface Logger {
  log(message: string): void;
  warn(message: string): void;
  /** `stack`: a failed job's stack, printed below the message (Nest's Logger takes it the same way). */
  error(message: string, stack?: string): void;
}

export const consoleLogger: Logger = {
  log: (m) => console.log(`[jobline] ${m}`),
  warn: (m) => console.warn(`[jobline] ${m}`),
  error: (m, stack) => console.error(`[jobline] ${m}${stack ? `\n${stack}` : ''}`),
};
