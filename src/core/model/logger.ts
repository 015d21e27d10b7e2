/** Where the engine reports what it does not throw (a Nest app passes its Logger). */
export interface Logger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const consoleLogger: Logger = {
  log: (m) => console.log(`[jobline] ${m}`),
  warn: (m) => console.warn(`[jobline] ${m}`),
  error: (m) => console.error(`[jobline] ${m}`),
};
