import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'packages/*/test/**/*.test.tsx',
      'tests/**/*.test.ts',
      'bench/test/**/*.test.ts',
    ],
    // The test kit (packages/test-kit): PostgreSQL looked for once per run; what a test file left is removed.
    globalSetup: ['packages/test-kit/src/global-setup.ts'],
    setupFiles: ['packages/test-kit/src/setup.ts'],
    // `vitest run` also runs the type tests; one tsc program (DOM and JSX) covers the SDK's and React's.
    typecheck: {
      enabled: true,
      include: ['packages/*/test/**/*.test-d.ts', 'packages/*/test/**/*.test-d.tsx'],
      tsconfig: './tsconfig.typecheck.json',
    },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
