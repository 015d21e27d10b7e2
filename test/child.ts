import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { onCluster, redisUrl } from './helpers.js';

/** A worker in its own process (test/fixtures/child-worker.mjs over the built dist/), for kill -9 and SIGTERM tests. */
export class ChildWorker {
  readonly proc: ChildProcess;
  private readonly lines: string[] = [];
  private readonly waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(env: { PREFIX: string; QUEUE?: string; LEASE?: string; SHUTDOWN?: string; [name: string]: string | undefined }, script = 'test/fixtures/child-worker.mjs') {
    this.proc = spawn(process.execPath, [script], {
      // on the cluster pass the child finds the cluster's nodes in JOBLINE_CLUSTER_NODES (test/fixtures/connection.mjs)
      env: { ...process.env, ...(onCluster() ? {} : { REDIS_URL: redisUrl() }), ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({ code, signal })));
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      this.lines.push(line);
      for (const w of [...this.waiters]) {
        const m = line.match(w.re);
        if (m) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
  }

  /** Every output line so far that matches `re`. */
  printed(re: RegExp): RegExpMatchArray[] {
    return this.lines.map((l) => l.match(re)).filter((m): m is RegExpMatchArray => m !== null);
  }

  /** Resolves with the first output line (past or future) matching `re`. */
  waitFor(re: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    for (const l of this.lines) {
      const m = l.match(re);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child worker did not print ${re} in ${timeoutMs} ms; printed: ${this.lines.join(' | ')}`)), timeoutMs);
      this.waiters.push({ re, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  kill(signal: NodeJS.Signals): void {
    if (this.proc.exitCode === null) this.proc.kill(signal);
  }
}

/** Starts a child worker on `prefix`, waits until it has started a job, and kills it with SIGKILL mid-job. */
export async function killMidJob(prefix: string): Promise<void> {
  const child = new ChildWorker({ PREFIX: prefix, LEASE: '1s' });
  try {
    await child.waitFor(/^started /);
  } finally {
    child.kill('SIGKILL');
    await child.exited;
  }
}
