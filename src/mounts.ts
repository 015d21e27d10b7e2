// The faces `jobline serve` mounts, in order (a path is served by the first route that matches it). Each face exports
// its mount from its own serve-mount.ts, which loads no Nest code, so the command line needs no Nest application.
import type { ServeMount } from './core/index.js';
import { dashboardServeMount } from './dashboard/serve-mount.js';
import { httpServeMount } from './http/serve-mount.js';
import { metricsServeMount } from './metrics/serve-mount.js';

export const SERVE_MOUNTS: readonly ServeMount[] = [metricsServeMount, httpServeMount, dashboardServeMount];
