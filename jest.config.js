// jest 30 in ESM mode (run with node --experimental-vm-modules); ts-jest compiles with tsconfig.json.
// Two passes over the same test files: `single` against one private redis-server, `cluster` against a private
// 3-master Redis Cluster (test/setup/*). `--selectProjects single` (or cluster) runs one of them.
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // `jobline` is this repository's source (the examples import the package by name, as users do)
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1', '^jobline$': '<rootDir>/src/index.ts' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
};

export default {
  testTimeout: 30000,
  maxWorkers: 2,
  projects: [
    {
      ...common,
      displayName: 'single',
      // cluster-*.spec.ts drive a cluster (migrations, failovers, its own nodes): the cluster pass runs them
      testPathIgnorePatterns: ['/test/cluster-[^/]*\\.spec\\.ts$'],
      globalSetup: '<rootDir>/test/setup/global-setup.js',
      globalTeardown: '<rootDir>/test/setup/global-teardown.js',
    },
    {
      ...common,
      displayName: 'cluster',
      // The cluster pass runs the files whose Redis behaviour differs on a cluster (cross-slot reads, dependencies and
      // job ids across queues, sharded channels, per-queue blocking, per-node clocks, scripts refused mid-migration)
      // and those of every feature's scripts and connections (time, faults, Nest, child processes). It leaves to the
      // single pass, to keep the whole run under 10 minutes on 2 cores:
      // - files that start their own single redis-server in both passes (here they would only repeat themselves):
      //   pressure.spec (maxmemory, DEBUG SLEEP), security.spec (TLS, ACL users), redis-down.spec, close-outage.spec, and
      //   time-processes.spec (a restart of its own server; its other test, ticks fired by two processes, is what
      //   time-schedules.spec's several workers on one schedule do here);
      // - files whose subject stores nothing or does not touch Redis differently: fuzz.spec (input checks, compared
      //   over a database of its own: a cluster has only database 0), dto.spec (payload validation), readme.spec (the
      //   README's Quick start, which connects to REDIS_URL as written), package.spec (the packed package's shape),
      //   engine-layout.spec (source text; what the loader assembles for a cluster is checked there on both passes),
      //   redis-version.spec (the version gate; the cluster's server check is cluster-connect.spec's), options.spec and
      //   module-options.spec (option checks), typed-enqueue.spec (types), no-worker.spec (a warning from plain reads);
      // - deps-scale.spec: deps.spec's scripts and cross-queue paths at volume, which does not change on a cluster;
      // - the fault tests of one server: chaos.spec and stranded.spec stop and restart their own redis-server and
      //   redis-loading.spec makes its own server load a file (here they would only repeat themselves), and
      //   reclaim-resend.spec cuts replies with a proxy in front of the single server (a cluster client follows the
      //   nodes' own addresses, around any proxy); cluster-failover.spec kills masters under load here;
      // - cli.spec: each command is a process start; the commands call the client methods queue-ops.spec runs here,
      //   and cluster-connect.spec runs the command line against the cluster; isolate.spec: the thread pool is on the
      //   Node side, its Redis calls are the worker's own (worker.spec, lease.spec run here). Both keep npm test in budget.
      // - dashboard-browser.spec: a Chromium start drives the pages; the reads behind them (summaries, pages, the
      //   per-minute counters) run here through dashboard.spec over plain HTTP.
      testPathIgnorePatterns: [
        '/test/(pressure|security|redis-down|close-outage|time-processes|fuzz|dto|readme|package|engine-layout|redis-version|options|module-options|typed-enqueue|no-worker|deps-scale|chaos|stranded|redis-loading|reclaim-resend|cli|isolate|dashboard-browser)\\.spec\\.ts$',
      ],
      globalSetup: '<rootDir>/test/setup/cluster-setup.js',
      globalTeardown: '<rootDir>/test/setup/cluster-teardown.js',
      setupFiles: ['<rootDir>/test/setup/target-cluster.js'],
    },
  ],
};
