// Types for redis-server.mjs, so TypeScript test files can start and stop private servers under `strict`.

export interface PrivateRedisServer {
  url: string;
  port: number;
  pid: number | undefined;
  /** Stops the server (SIGTERM) and removes its directory; resolves once it has exited. */
  stop(): Promise<void>;
}

export function ensureRedisServer(): void;
export function ensurePythonRedis(): void;
export function freePort(): Promise<number>;
export function freePorts(count: number): Promise<number[]>;
export function waitForPort(port: number, deadline: number): Promise<void>;
/** `port`: a fixed port (to bring a stopped server back); `args`: more redis-server command-line options. */
export function startRedisServer(options?: { port?: number; args?: string[] }): Promise<PrivateRedisServer>;
