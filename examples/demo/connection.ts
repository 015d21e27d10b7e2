/**
 * This run's key prefix and connection, shared by the app, the "from anywhere" part's HTTP front and its raw Redis
 * client. A fresh prefix per run keeps this run's jobs apart from earlier runs and from anything else on that Redis;
 * `npm run demo` also runs the app on a private Redis Cluster, whose nodes it passes in JOBLINE_DEMO_CLUSTER.
 */
export const DEMO_PREFIX = `jobline-demo-${Date.now().toString(36)}`;
export const DEMO_CLUSTER = process.env.JOBLINE_DEMO_CLUSTER ? (JSON.parse(process.env.JOBLINE_DEMO_CLUSTER) as { host: string; port: number }[]) : undefined;
/** undefined: REDIS_URL */
export const DEMO_CONNECTION = DEMO_CLUSTER ? { cluster: DEMO_CLUSTER } : undefined;
