// Types for redis-server.mjs, so TypeScript test files can start a private server under `strict`.

export interface PrivateRedisServer {
  url: string;
  port: number;
  pid: number | undefined;
  stop(): Promise<void>;
}

export function ensureRedisServer(): void;
export function freePort(): Promise<number>;
export function freePorts(count: number): Promise<number[]>;
export function waitForPort(port: number, deadline: number): Promise<void>;
export function startRedisServer(): Promise<PrivateRedisServer>;
