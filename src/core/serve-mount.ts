import type { IncomingMessage, ServerResponse } from 'node:http';
import type { QueueClient } from './queue-client.js';

/** One route of `jobline serve`: a method and path (an exact path, or a prefix ending in '/'), and its handler. */
export interface ServeRoute {
  method: string;
  path: string;
  /** true: only with an API key (Authorization: Bearer <key>, or X-API-Key); false: the face checks what it needs */
  auth: boolean;
  describe: string;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** What a face gets to mount its routes in `jobline serve`. */
export interface ServeContext {
  client: QueueClient;
  /** the keys given with --api-key (and JOBLINE_API_KEYS) */
  apiKeys: string[];
  /** the dashboard refuses every action (--read-only) */
  readOnly: boolean;
}

/**
 * What a face (HTTP API, dashboard, metrics) exports so that `jobline serve` mounts it without a Nest application:
 * its routes as framework-free handlers (its Nest module wraps the same handlers), and what to stop at the end.
 */
export interface ServeMount {
  name: string;
  mount(ctx: ServeContext): Promise<{ routes: ServeRoute[]; close?: () => void }>;
}
