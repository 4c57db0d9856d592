// The container test harness: builds the generated images and runs them, hardened, on an engine it starts itself.
// Run from the workspace root: pnpm exec jest --config containers/jest.config.js
/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  testEnvironment: 'node',
  // One engine for every test file, started and stopped (by PID) around the whole run.
  globalSetup: '<rootDir>/src/global-setup.ts',
  globalTeardown: '<rootDir>/src/global-teardown.ts',
  // In band: the tests share one engine and one machine's CPUs; the exit hooks live in this one process.
  maxWorkers: 1,
  // Per test; the steps inside are bounded more tightly (builds 5 min, health 2 min, every docker command).
  testTimeout: 600_000,
  clearMocks: true,
};
