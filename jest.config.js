// TypeScript (and the workspace's ESM-only dependencies) are compiled to CommonJS by swc for Jest;
// Node itself runs the same sources directly (type stripping).
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
    module: { type: 'commonjs' },
  },
];

const base = {
  transform: { '^.+\\.(t|j)s$': swc },
  // jose and uuid ship only ES modules: let swc compile them too.
  transformIgnorePatterns: ['/node_modules/(?!\\.pnpm/(jose|uuid)@|(jose|uuid)/)'],
  testEnvironment: 'node',
};

/** @type {import('jest').Config} */
const config = {
  // Component and end-to-end tests wait on real brokers and stores.
  testTimeout: 90_000,
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/packages/*/test/unit/**/*.test.ts',
        '<rootDir>/services/*/test/unit/**/*.test.ts',
        '<rootDir>/test/scripts/**/*.test.ts',
        '<rootDir>/load-tests/test/unit/**/*.test.ts',
      ],
    },
    {
      ...base,
      displayName: 'component',
      testMatch: [
        '<rootDir>/packages/*/test/component/**/*.test.ts',
        '<rootDir>/services/*/test/component/**/*.test.ts',
        '<rootDir>/load-tests/test/*.test.ts',
      ],
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
    },
    {
      // Every operation of every service, attacked over HTTP (test/adversarial/README.md).
      ...base,
      displayName: 'adversarial',
      testMatch: ['<rootDir>/test/adversarial/**/*.test.ts'],
    },
    {
      // Schema-driven requests to every operation; `scripts/fuzz` runs the long form.
      ...base,
      displayName: 'fuzz',
      testMatch: ['<rootDir>/test/fuzz/**/*.test.ts'],
    },
  ],
};

export default config;
