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
      globalSetup: '<rootDir>/test/setup/cluster-setup.js',
      globalTeardown: '<rootDir>/test/setup/cluster-teardown.js',
      setupFiles: ['<rootDir>/test/setup/target-cluster.js'],
    },
  ],
};
