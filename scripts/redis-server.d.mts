// Types of redis-server.mjs, for the TypeScript tests and harnesses that import it.

export interface RedisServerOptions {
  /** Default: a free port. Give a stopped server's port to start it again where clients look for it. */
  port?: number;
  /** Working directory (AOF files), kept on stop. Default: a fresh temporary directory, removed on stop. */
  dir?: string;
  /** Persistence by append-only file. Default false: none. */
  appendonly?: boolean;
  /** Default 'everysec'. */
  appendfsync?: 'always' | 'everysec' | 'no';
  /** More redis-server arguments. */
  args?: string[];
}

export interface RedisServer {
  url: string;
  port: number;
  pid: number;
  dir: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then removes the directory if it was a temporary one. */
  stop(): Promise<void>;
  /** The SHUTDOWN command; resolves once the server has exited. */
  shutdown(): Promise<void>;
  /** SIGKILL; resolves once the server has exited. */
  kill(): Promise<void>;
}

/** What main's tests name the server (the same object). */
export type PrivateRedisServer = RedisServer;

export function ensureRedisServer(): void;
export function ensurePythonRedis(): void;
export function freePort(): Promise<number>;
export function freePorts(count: number): Promise<number[]>;
export function waitForPort(port: number, deadline: number): Promise<void>;
export function startRedisServer(options?: RedisServerOptions): Promise<RedisServer>;
export function aptInstall(pkg: string, has: () => boolean): void;
