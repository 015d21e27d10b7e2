import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServeMount, ServeRoute } from '../core/index.js';
import { httpSettings } from './http-options.js';
import { QueueHttpApi } from './queue-http-api.js';

/** The HTTP API in `jobline serve`, under /queue/, with its own key checks: mounted only when keys are given. */
export const httpServeMount: ServeMount = {
  name: 'http',
  async mount({ client, apiKeys }) {
    if (!apiKeys.length) return { routes: [] };
    const api = new QueueHttpApi(client, httpSettings({ apiKeys }, 'jobline serve --api-key'), client.logger);
    const prefix = `/${api.settings.path}/`;
    const handle = async (req: IncomingMessage, res: ServerResponse) => {
      if (!(await api.handleNode(req, res))) {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [`No route ${req.method} ${req.url}`] }));
      }
    };
    const route = (method: string, describe: string): ServeRoute => ({ method, path: prefix, auth: false, describe, handle });
    return {
      routes: [
        route('POST', `the HTTP API: ${prefix}add, ${prefix}add-batch [API key]`),
        route('GET', `the HTTP API: ${prefix}jobs/:id[/result], ${prefix}openapi.json [API key]`),
      ],
    };
  },
};
