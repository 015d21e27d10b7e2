// jest 30 in ESM mode (run with node --experimental-vm-modules); ts-jest compiles with tsconfig.json.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // `jobline` is this repository's source (the examples import the package by name, as users do)
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1', '^jobline$': '<rootDir>/src/index.ts' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  testMatch: ['<rootDir>/test/**/*.spec.ts'],
  globalSetup: '<rootDir>/test/setup/global-setup.js',
  globalTeardown: '<rootDir>/test/setup/global-teardown.js',
  testTimeout: 30000,
  maxWorkers: 2,
};
