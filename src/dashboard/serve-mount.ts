import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServeMount, ServeRoute } from '../core/index.js';
import { dashboardSettings } from './dashboard-options.js';
import { QueueDashboard } from './queue-dashboard.js';

/** The dashboard in `jobline serve`, at /jobline/ (read-only with --read-only). */
export const dashboardServeMount: ServeMount = {
  name: 'dashboard',
  async mount({ client, readOnly }) {
    const dashboard = new QueueDashboard(client, dashboardSettings({ readOnly }, 'jobline serve'), client.logger);
    const handle = async (req: IncomingMessage, res: ServerResponse) => {
      if (!(await dashboard.handleNode(req, res))) res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`No page ${req.method} ${req.url}`);
    };
    const route = (method: string, path: string, describe: string): ServeRoute => ({ method, path, auth: false, describe, handle });
    return {
      routes: [
        route('GET', '/jobline', 'the dashboard'),
        route('GET', '/jobline/', `the dashboard's pages${readOnly ? ' (read-only)' : ''}`),
        route('POST', '/jobline/', readOnly ? "the dashboard's actions: refused (read-only)" : "the dashboard's actions (CSRF-checked)"),
      ],
    };
  },
};
