// Types for redis-server.mjs, so TypeScript test files can start a private server of their own under `strict`.

export interface PrivateRedisServer {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export function startRedisServer(extraArgs?: string[]): Promise<PrivateRedisServer>;
export function freePort(): Promise<number>;
export function freePorts(count: number): Promise<number[]>;
export function waitForPort(port: number, deadline: number): Promise<void>;
export function ensureRedisServer(): void;
