import type { Engine } from './engine.js';

/** The engine behind each QueueClient, kept off its public surface; parts made from a client (a Worker) find it here. */
const engines = new WeakMap<object, Engine>();

export function attachEngine(client: object, engine: Engine): void {
  engines.set(client, engine);
}

export function engineOf(client: object): Engine {
  const engine = engines.get(client);
  if (!engine) throw new TypeError('Expected a QueueClient (or QueueService) made by Jobline.');
  return engine;
}
